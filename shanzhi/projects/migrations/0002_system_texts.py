import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        to_system_text(
            "projectstagechange", "note", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="note")
        ),
        to_system_text("leadactivity", "summary", shanzhi.core.texts.SystemTextField(verbose_name="summary")),
        to_system_text("proposal", "answer", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="answer")),
    ]
