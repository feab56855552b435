"""How often the reporter called again about a case before its answer (催办)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_reporter_phone_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="urge_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="repeat calls (催办)"),
        ),
    ]
