from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.accounts.models import AccountKind, AdminRole, MemberRole
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='PERSONAL: personal\nBUSINESS: business\nISSUER: issuer', enum_type=AccountKind, max_length=16)),
                ('name', fields.CharField(max_length=120)),
                ('handle', fields.CharField(unique=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'accounts', 'app': 'rec', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Currency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=10)),
                ('name', fields.CharField(max_length=60)),
                ('full_name', fields.CharField(max_length=120)),
                ('symbol', fields.CharField(max_length=8)),
                ('decimals', fields.SmallIntField()),
                ('tagline', fields.CharField(default='', max_length=200)),
                ('default_language', fields.CharField(max_length=5)),
                ('languages', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('timezone', fields.CharField(max_length=64)),
                ('theme', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('issuer_account', fields.ForeignKeyField('rec.Account', source_field='issuer_account_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'currencies', 'app': 'rec', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MerchantProfile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('rec.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='merchant_profile', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharField(max_length=40)),
                ('address', fields.CharField(max_length=200)),
                ('neighbourhood', fields.CharField(default='', max_length=80)),
                ('latitude_e6', fields.IntField()),
                ('longitude_e6', fields.IntField()),
                ('description', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'merchant_profiles', 'app': 'rec', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('name', fields.CharField(max_length=120)),
                ('language', fields.CharField(default='ca', max_length=5)),
                ('is_active', fields.BooleanField(default=True)),
                ('email_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'users', 'app': 'rec', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AdminGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('rec.User', source_field='user_id', db_constraint=True, to_field='id', related_name='admin_grants', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='SUPERADMIN: superadmin\nKYC_OFFICER: kyc_officer\nTREASURER: treasurer\nSUPPORT: support', enum_type=AdminRole, max_length=16)),
                ('granted_by', fields.ForeignKeyField('rec.User', source_field='granted_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'admin_grants', 'app': 'rec', 'unique_together': (('user', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('rec.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('rec.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='HOLDER: holder\nOWNER: owner\nMANAGER: manager\nCASHIER: cashier', enum_type=MemberRole, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'memberships', 'app': 'rec', 'unique_together': (('user', 'account'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
