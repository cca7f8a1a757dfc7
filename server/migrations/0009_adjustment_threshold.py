from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("rec", "0008_merchant_photo")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Currency",
            name="adjustment_approval_cents",
            field=fields.IntField(default=10000),
        ),
    ]
