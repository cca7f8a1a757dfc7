from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('rec', '0004_kyc')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Currency',
            name='checkpoint_private_key_sealed',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Currency',
            name='checkpoint_public_key',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
