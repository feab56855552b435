import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        to_system_text("planevent", "text", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="text")),
        to_system_text(
            "plandraft",
            "source_name",
            shanzhi.core.texts.SystemTextField(blank=True, verbose_name="source file"),
            table="plans_plandraft",
            column="source_name",
            length=255,
        ),
        to_system_text(
            "plan",
            "source_name",
            shanzhi.core.texts.SystemTextField(blank=True, verbose_name="source file"),
            table="plans_plan",
            column="source_name",
            length=255,
        ),
    ]
