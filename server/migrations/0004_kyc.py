from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.kyc.models import DocumentKind, DocumentStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('rec', '0003_audit_log_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KycDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('rec.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('uploaded_by', fields.ForeignKeyField('rec.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(description='ID_DOCUMENT: id_document\nPROOF_OF_ADDRESS: proof_of_address\nCOMPANY_REGISTRATION: company_registration', enum_type=DocumentKind, max_length=32)),
                ('status', fields.CharEnumField(default=DocumentStatus.SUBMITTED, description='SUBMITTED: submitted\nAPPROVED: approved\nDECLINED: declined\nEXPIRED: expired', enum_type=DocumentStatus, max_length=16)),
                ('stored_name', fields.CharField(unique=True, max_length=64)),
                ('content_type', fields.CharField(max_length=40)),
                ('size_bytes', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('reason', fields.TextField(default='', unique=False)),
                ('reviewed_by', fields.ForeignKeyField('rec.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'kyc_documents', 'app': 'rec', 'pk_attr': 'id', 'table_description': 'An uploaded document. The file lives outside the database, under a random name.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycOverride',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('rec.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('currency', fields.ForeignKeyField('rec.Currency', source_field='currency_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('level', fields.SmallIntField()),
                ('set_by', fields.ForeignKeyField('rec.User', source_field='set_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kyc_overrides', 'app': 'rec', 'unique_together': (('account', 'currency'),), 'pk_attr': 'id', 'table_description': 'A tier set by an officer by hand for one account in one currency (audited).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycTier',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('currency', fields.ForeignKeyField('rec.Currency', source_field='currency_id', db_constraint=True, to_field='id', related_name='kyc_tiers', on_delete=OnDelete.CASCADE)),
                ('level', fields.SmallIntField()),
                ('name', fields.CharField(max_length=40)),
                ('can_send', fields.BooleanField(default=False)),
                ('per_payment_cents', fields.BigIntField(null=True)),
                ('monthly_cents', fields.BigIntField(null=True)),
                ('max_balance_cents', fields.BigIntField(null=True)),
                ('on_map', fields.BooleanField(default=False)),
                ('required_documents', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kyc_tiers', 'app': 'rec', 'unique_together': (('currency', 'level'),), 'pk_attr': 'id', 'table_description': 'A level of a currency: what an account at it may do.'},
            bases=['Model'],
        ),
    ]
