"""A case's phone as its digits (`core.masking.phone_key`), derived and indexed: staff find a
caller's earlier cases by it. Existing cases get theirs here."""

from django.db import migrations, models


def fill_phone_key(apps, schema_editor):
    from shanzhi.core.masking import phone_key

    Case = apps.get_model("cases", "Case")
    rows = Case._base_manager.exclude(reporter_phone="").order_by("pk").values_list("pk", "reporter_phone")
    last = 0
    while chunk := list(rows.filter(pk__gt=last)[:5000]):  # by key ranges: no cursor open while writing
        last = chunk[-1][0]
        batch = [Case(pk=pk, reporter_phone_key=phone_key(phone)) for pk, phone in chunk]
        Case._base_manager.bulk_update(batch, ["reporter_phone_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_rates_permission_deadline_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="reporter_phone_key",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="reporter phone (digits)"),
        ),
        migrations.RunPython(fill_phone_key, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("reporter_phone_key", ""), _negated=True),
                fields=["reporter_phone_key", "received_at"],
                name="cases_case_phone_key_set",
            ),
        ),
    ]
