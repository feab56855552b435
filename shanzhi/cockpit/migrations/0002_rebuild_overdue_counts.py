"""The rollup's "overdue" count no longer includes replied, verified or called-back cases
(their answer is in; see `CaseQuerySet.running`). Forgetting the watermark makes the next
periodic refresh rebuild every month once, so existing databases drop the old counts too."""

from django.db import migrations


def forget_watermark(apps, schema_editor):
    apps.get_model("cockpit", "RollupState").objects.update(watermark=None)


class Migration(migrations.Migration):
    dependencies = [("cockpit", "0001_initial")]

    operations = [migrations.RunPython(forget_watermark, migrations.RunPython.noop)]
