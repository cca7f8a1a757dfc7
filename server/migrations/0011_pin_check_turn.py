from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("rec", "0010_admin_grant_currencies")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="pin_check_until",
            field=fields.DatetimeField(null=True),
        ),
    ]
