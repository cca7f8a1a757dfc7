from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.directory.models import OfferKind
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
import unicodedata


def _fold(text):
    # server.directory.services.fold as it was when this migration was written: frozen
    # here so that the migration does the same thing whenever it runs.
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


async def _index_existing_profiles(apps, schema_editor) -> None:
    """Profiles made before this migration get their sort name and search text."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    _, rows = await client.execute_query(
        "SELECT p.id, a.name, p.address, p.neighbourhood, p.category "
        "FROM merchant_profiles p JOIN accounts a ON a.id = p.account_id"
    )
    update = (
        "UPDATE merchant_profiles SET sort_name = $1, search_text = $2 WHERE id = $3"
        if postgres
        else "UPDATE merchant_profiles SET sort_name = ?, search_text = ? WHERE id = ?"
    )
    for row in rows:
        name, address, neighbourhood, category = (
            row["name"], row["address"], row["neighbourhood"], row["category"]
        )
        search_text = "\n".join(_fold(t) for t in (name, address, neighbourhood, category))
        await client.execute_query(update, [_fold(name)[:255], search_text, row["id"]])


class Migration(migrations.Migration):
    dependencies = [('rec', '0006_webhook_endpoints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HoursException',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('profile', fields.ForeignKeyField('rec.MerchantProfile', source_field='profile_id', db_constraint=True, to_field='id', related_name='hours_exceptions', on_delete=OnDelete.CASCADE)),
                ('on_date', fields.DateField()),
                ('ranges', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'merchant_hours_exceptions', 'app': 'rec', 'unique_together': (('profile', 'on_date'),), 'pk_attr': 'id', 'table_description': 'A date whose openings replace the weekly ones.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Offer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('profile', fields.ForeignKeyField('rec.MerchantProfile', source_field='profile_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='CLASSIC: classic\nPERCENTAGE: percentage\nFREE: free', enum_type=OfferKind, max_length=16)),
                ('title', fields.CharField(max_length=80)),
                ('description', fields.TextField(default='', unique=False)),
                ('percent_off', fields.SmallIntField(null=True)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'merchant_offers', 'app': 'rec', 'pk_attr': 'id', 'table_description': "A shop's offer, live from its first to its last day."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpeningRange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('profile', fields.ForeignKeyField('rec.MerchantProfile', source_field='profile_id', db_constraint=True, to_field='id', related_name='opening_ranges', on_delete=OnDelete.CASCADE)),
                ('day', fields.SmallIntField()),
                ('opens_minute', fields.SmallIntField()),
                ('closes_minute', fields.SmallIntField()),
            ],
            options={'table': 'merchant_opening_ranges', 'app': 'rec', 'pk_attr': 'id', 'table_description': 'One opening of a week day, in minutes after local midnight.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='MerchantProfile',
            name='search_text',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='MerchantProfile',
            name='sort_name',
            field=fields.CharField(default='', db_default='', db_index=True, max_length=255),
        ),
        ops.AddField(
            model_name='MerchantProfile',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.RunPython(_index_existing_profiles),
    ]
