"""Operations for migrations that change how a column is read, not what it holds."""

from __future__ import annotations

from django.db import migrations


def to_system_text(model_name: str, name: str, field, *, table: str = "", column: str = "", length: int = 0):
    """Make a text column a `SystemTextField`. A TextField column stays as it is (the field
    only reads and writes it differently). A CharField column (`table`, `column`, its old
    `length`) becomes `text` on PostgreSQL, in place; SQLite never enforced the length, so its
    table is not rebuilt (Django would copy the whole table for the new field class)."""
    database_operations = []
    if table:

        def widen(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                q = schema_editor.quote_name
                schema_editor.execute(f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} TYPE text")

        def narrow(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                q = schema_editor.quote_name
                schema_editor.execute(
                    f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} TYPE varchar({int(length)}) "
                    f"USING left({q(column)}, {int(length)})"
                )

        database_operations.append(migrations.RunPython(widen, narrow))
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=database_operations,
    )
