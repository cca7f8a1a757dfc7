from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('rec', '0007_directory_hours_offers')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MerchantProfile',
            name='photo',
            field=fields.CharField(null=True, max_length=80),
        ),
    ]
