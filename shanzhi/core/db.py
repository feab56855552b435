"""INSERT statements built once per model and database, for the hot write paths.

`Model.save(force_insert=True)` and `bulk_create` compile the same INSERT again for every call:
quoting each column name, walking the fields, assembling the SQL. On case intake that was
about a third of a millisecond per row, for three or four rows a request. `insert()` builds the
statement once per (model, database, number of rows) and then only converts the values,
through the same field methods the ORM uses (`pre_save` for auto_now, `get_db_prep_save`).

On PostgreSQL a batch of `COPY_MIN` rows or more goes by COPY instead, its keys drawn from the
table's sequence in one query: psycopg parses anew the text of every statement with more than
50 parameters, which for a multi-row INSERT costs more than the writing.

It is for plain new rows: no multi-table inheritance, no signals. A model with pre_save or
post_save receivers is saved the ORM's way instead, so receivers are never skipped. A model
whose `save()` derives columns gives the same work a `derive_columns()` method, which is
called here too.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save

# Rows per statement: bounds the parameters of one statement (SQLite allows 32,766) and the
# number of statements remembered per model.
BATCH = 100
_plans: dict[tuple, tuple[str, list]] = {}


# Field classes (exactly these, not subclasses) whose database value may be the Python value
# itself: `get_db_prep_save` returns a str, int, bool or float unchanged (str() of a str …) —
# unless the database adapter wraps it (psycopg 3 takes integers as Int2/Int4/Int8), which
# `_plain` checks per field and connection. Such values skip the ORM's four method calls.
_PLAIN_TYPES: dict[type, tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.BooleanField: (bool,),
    models.FloatField: (float,),
    models.ForeignKey: (int,),
}
_SAMPLES = {str: "甲", int: 7, bool: True, float: 1.5}


def _plain(field, connection) -> tuple[type, ...]:
    """The value types that `field` stores on `connection` as they are: None where
    `get_db_prep_save` gives None for it (every nullable column but a few JSON ones), and
    those of its class's listed types whose sample `get_db_prep_save` returns unchanged."""
    types = []
    for typ in _PLAIN_TYPES.get(type(field), ()):
        value = field.get_db_prep_save(_SAMPLES[typ], connection=connection)
        if type(value) is typ and value == _SAMPLES[typ]:
            types.append(typ)
    if field.get_db_prep_save(None, connection=connection) is None:
        return (type(None), *types)
    return tuple(types)


def _aware(field, connection):
    """For a date-time field (exactly `DateTimeField`): the database adapter's conversion, which
    is all `get_db_prep_save` does to an aware datetime (its `get_prep_value` returns one as
    it is; a naive one goes the ORM's way, with its warning)."""
    if type(field) is models.DateTimeField:
        return connection.ops.adapt_datetimefield_value
    return None


_DATE_PRE_SAVES = (models.DateField.pre_save, models.DateTimeField.pre_save, models.TimeField.pre_save)


def _read_as_is(field) -> bool:
    """Whether `pre_save` returns the attribute as it is: `Field`'s own, and a date or time
    field's without auto_now / auto_now_add. Such columns are read with getattr."""
    pre = type(field).pre_save
    if pre in _DATE_PRE_SAVES:
        return not (field.auto_now or field.auto_now_add)
    return pre is models.Field.pre_save


def _plan(model: type[models.Model], connection, rows: int, keys: bool = False) -> tuple[str, list]:
    """The INSERT of `rows` rows and its fields' converters. `keys`: the rows carry their
    primary keys (`reserve_keys`) as the first column."""
    key = (model, connection.alias, connection.vendor, rows, keys)
    plan = _plans.get(key)
    if plan is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        qn = connection.ops.quote_name
        columns = [f.column for f in fields]
        if keys:
            columns.insert(0, meta.pk.column)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES {', '.join([one] * rows)}"
        if not keys:
            sql += f" RETURNING {qn(meta.pk.column)}"
        plain = [
            (f, f.attname if _read_as_is(f) else None, _plain(f, connection), _aware(f, connection)) for f in fields
        ]
        plan = _plans[key] = (sql, plain)
    return plan


def insert(objs: Sequence[models.Model], *, using: str | None = None) -> None:
    """INSERT new instances of one model and set their primary keys: `BATCH` rows a statement,
    or on PostgreSQL, from `COPY_MIN` rows, by COPY."""
    write(prepare(objs, using=using))


@dataclasses.dataclass
class Prepared:
    """New rows of one model with their values converted (`prepare`), to be written by `write`."""

    model: type[models.Model]
    objs: Sequence[models.Model]
    using: str
    rows: list[list] | None  # None: saved one by one, the ORM's way (signals, inheritance)
    keys: bool = False  # the rows carry their primary keys


def prepare(objs: Sequence[models.Model], *, using: str | None = None) -> Prepared | None:
    """Convert the rows `insert` writes, without writing them, so that a writer can do this work
    before its write transaction (on SQLite, the database's one write lock). The instances are
    new: either all without a primary key, or all with one from `reserve_keys`. Reading them
    runs `pre_save` (auto_now columns are set now). None for no rows."""
    if not objs:
        return None
    model = type(objs[0])
    meta = model._meta
    using = using or router.db_for_write(model)
    connection = connections[using]
    if (
        meta.parents
        or meta.auto_field is None  # keys made by the database only
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or not connection.features.can_return_rows_from_bulk_insert
    ):
        return Prepared(model, objs, using, None)
    keys = objs[0].pk is not None
    _sql, fields = _plan(model, connection, 1)
    rows = _values(model, objs, fields, connection, keys)
    if keys:
        rows = [[obj.pk, *row] for obj, row in zip(objs, rows, strict=True)]
    return Prepared(model, objs, using, rows, keys)


def write(prepared: Prepared | None) -> None:
    """Write rows converted by `prepare` and set their primary keys."""
    if prepared is None:
        return
    if prepared.rows is None:
        for obj in prepared.objs:
            obj.save(force_insert=True, using=prepared.using)
        return
    connection = connections[prepared.using]
    model, objs, rows = prepared.model, prepared.objs, prepared.rows
    if connection.vendor == "postgresql" and len(objs) >= COPY_MIN:
        _copy(model, objs, rows, prepared.keys, connection, prepared.using)
        return
    for start in range(0, len(objs), BATCH):
        _insert_batch(
            model, objs[start : start + BATCH], rows[start : start + BATCH], prepared.keys, connection, prepared.using
        )


def reserve_keys(model: type[models.Model], count: int, *, using: str | None = None) -> list[int]:
    """Primary keys for `count` new rows of `model`, known before the rows are written, so that
    rows pointing at them can be built outside the write transaction. PostgreSQL draws them from
    the table's sequence: they are the caller's. SQLite gives the next ones after the highest
    ever used (AUTOINCREMENT never reuses a key): another writer may take them first, so the
    write transaction checks them with `keys_free` before writing."""
    meta = model._meta
    connection = connections[using or router.db_for_write(model)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) AS k FROM generate_series(1, %s) ORDER BY k",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        if connection.vendor == "sqlite":
            first = _sqlite_last_key(cursor, meta, connection) + 1
            return list(range(first, first + count))
    raise NotImplementedError(f"reserve_keys: {connection.vendor}")


def keys_free(model: type[models.Model], keys: Sequence[int], *, using: str | None = None) -> bool:
    """Whether keys from `reserve_keys` are still free; inside the write transaction (on SQLite,
    holding the write lock) the answer stands until it ends."""
    connection = connections[using or router.db_for_write(model)]
    if connection.vendor != "sqlite" or not keys:
        return True
    with connection.cursor() as cursor:
        return _sqlite_last_key(cursor, model._meta, connection) < min(keys)


def _sqlite_last_key(cursor, meta, connection) -> int:
    qn = connection.ops.quote_name
    cursor.execute(
        f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
        f"coalesce((SELECT max({qn(meta.pk.column)}) FROM {qn(meta.db_table)}), 0))",
        [meta.db_table],
    )
    return cursor.fetchone()[0]


# PostgreSQL: from this many rows, keys are drawn from the table's sequence in one query and the
# rows sent by COPY. psycopg parses the text of every statement of more than 50 parameters anew
# (its cache stops there): about 7 ms for 50 cases, more than writing them.
COPY_MIN = 10


def _insert_batch(model, objs, rows, keys, connection, using) -> None:
    sql, _fields = _plan(model, connection, len(objs), keys)
    params: list = []
    for row in rows:
        params += row
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [obj.pk for obj in objs] if keys else [pk for (pk,) in cursor.fetchall()]
    _set_keys(objs, ids, using)


def _copy(model, objs, rows, keys, connection, using) -> None:
    meta = model._meta
    _sql, fields = _plan(model, connection, 1)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in (meta.pk.column, *(f.column for f, *_ in fields)))
    with connection.cursor() as cursor:
        if keys:
            ids = [obj.pk for obj in objs]
        else:
            ids = reserve_keys(model, len(objs), using=using)
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        sql = f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN"
        start = time.monotonic()
        # (The raw cursor's errors are psycopg's own: wrapped, a duplicate key is IntegrityError.)
        with connection.wrap_database_errors:
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        if connection.queries_logged:  # seen where the ORM's statements are (debug, query counts)
            connection.queries_log.append(
                {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - start:.3f}"}
            )
    _set_keys(objs, ids, using)


def _values(model, objs, fields, connection, keys: bool = False) -> list[list]:
    """Each row's column values as the database takes them (without the primary key)."""
    rows = []
    for obj in objs:
        if type(obj) is not model or (obj.pk is not None) is not keys or not obj._state.adding:
            raise ValueError(
                "insert() takes new instances of one model, all without primary keys or all with reserved ones"
            )
        derive = getattr(obj, "derive_columns", None)
        if derive is not None:
            derive()
        obj._prepare_related_fields_for_save(operation_name="insert")
        row = []
        for f, attname, plain, aware in fields:
            value = getattr(obj, attname) if attname else f.pre_save(obj, True)
            typ = type(value)
            if typ in plain:
                row.append(value)
            elif aware is not None and typ is datetime.datetime and value.utcoffset() is not None:
                row.append(aware(value))
            else:
                row.append(f.get_db_prep_save(value, connection=connection))
        rows.append(row)
    return rows


def _set_keys(objs, ids, using) -> None:
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
