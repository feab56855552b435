"""Fill the derived month of cases that were written without it (the demo loader's
bulk_create skipped `Case.derive_columns` until 2026-11-26); the same step as 0002."""

from django.db import migrations


def fill_month(apps, schema_editor):
    from shanzhi.cases.migrations import _fill_received_month

    _fill_received_month(apps.get_model("cases", "Case"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_system_texts"),
    ]

    operations = [migrations.RunPython(fill_month, migrations.RunPython.noop)]
