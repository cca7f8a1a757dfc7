from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("rec", "0009_adjustment_threshold")]

    initial = False

    operations = [
        ops.AddField(
            model_name="AdminGrant",
            name="currencies",
            field=fields.CharField(max_length=200, default=""),
        ),
    ]
