"""core.db.insert: the prepared INSERT writes what the ORM would write, or leaves it to the ORM."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shanzhi.core import db
from shanzhi.core.models import AuditEvent, CalendarOverride
from shanzhi.orgs.models import Grid

pytestmark = pytest.mark.django_db


def _audit(org, note, **extra):
    grid = org.grids["A1"]
    return AuditEvent(
        actor=org.users["admin"],
        action=AuditEvent.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(Grid),
        object_id=str(grid.pk),
        object_repr=str(grid),
        changes={"households": [300, 320], "当": ["甲", None], "at": "2026-01-02T03:04:05+08:00"},
        note=note,
        **extra,
    )


def test_rows_read_back_as_the_orm_wrote_them(org):
    rows = [_audit(org, "一"), _audit(org, "二", ip_address="10.1.2.3"), _audit(org, "三")]
    before = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        db.insert(rows)
    assert len(ctx.captured_queries) == 1  # one statement for the three rows
    assert all(r.pk and not r._state.adding for r in rows)
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)  # keys returned in row order
    by_pk = {r.pk: r for r in AuditEvent.objects.filter(pk__in=[r.pk for r in rows])}
    for r in rows:
        got = by_pk[r.pk]
        assert got.note == r.note and got.actor_id == org.users["admin"].pk
        assert got.changes == r.changes  # JSON, non-ASCII keys included
        assert got.at >= before and got.at == r.at  # auto_now_add set on the instance and stored
    assert by_pk[rows[1].pk].ip_address == "10.1.2.3" and by_pk[rows[0].pk].ip_address is None


def test_many_rows_go_in_batches(org):
    """SQLite: BATCH rows a statement. PostgreSQL: the keys in one query, the rows by COPY
    (logged as one statement)."""
    rows = [_audit(org, f"n{i}") for i in range(db.BATCH * 2 + 5)]
    with CaptureQueriesContext(connection) as ctx:
        db.insert(rows)
    assert len(ctx.captured_queries) == (2 if connection.vendor == "postgresql" else 3)
    if connection.vendor == "postgresql":
        assert ctx.captured_queries[1]["sql"].startswith('COPY "core_auditevent"')
    got = list(AuditEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk").values_list("pk", "note"))
    assert got == [(r.pk, r.note) for r in rows]  # keys in row order


@pytest.mark.parametrize("reserved", [False, True], ids=["keys-returned", "keys-reserved"])
@pytest.mark.parametrize("n", [1, db.COPY_MIN - 1, db.COPY_MIN, db.BATCH + 1])
def test_every_column_as_bulk_create_writes_it(org, n, reserved):
    """Cases, the widest rows (JSON, system texts, dates, floats, nullable keys), whichever way
    they go, with their keys drawn by the database or reserved before: the same columns as the
    ORM's bulk_create writes."""
    from shanzhi.cases.models import Case

    now = timezone.now()

    def cases(tag):
        return [
            Case(
                code=f"{tag}{i:05d}",
                title="标题\t含制表符\\和反斜杠",
                description="第一行\n第二行",
                source=Case.Source.API,
                received_at=now,
                deadline=now + datetime.timedelta(days=i, microseconds=7),
                longitude=113.357 + i / 1000 if i % 2 else None,
                latitude=22.519,
                grid=org.grids["A1"] if i % 3 else None,
                routing_reason={"msgid": "placed by staff", "params": {"n": i}},
                routing_confidence=0.5,
                created_by=org.users["admin"],
            )
            for i in range(n)
        ]

    mine, theirs = cases("M"), cases("T")
    if reserved:
        keys = db.reserve_keys(Case, n)
        for case, pk in zip(mine, keys, strict=True):
            case.pk = pk
        prepared = db.prepare(mine)
        db.write(prepared)
        assert [c.pk for c in mine] == keys
    else:
        db.insert(mine)
    for c in theirs:
        c.derive_columns()  # as save() does; bulk_create does not
    Case.all_objects.bulk_create(theirs)
    skip = {"id", "code", "created_at", "updated_at"}
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in skip]
    for a, b in zip(mine, theirs, strict=True):
        assert a.pk and not a._state.adding
        got, want = (Case.all_objects.values(*fields).get(pk=o.pk) for o in (a, b))
        assert got == want
    assert [c.pk for c in mine] == sorted(c.pk for c in mine)


def _case(org, code):
    from shanzhi.cases.models import Case

    now = timezone.now()
    return Case(code=code, title="t", description="d", received_at=now, deadline=now, created_by=org.users["admin"])


def test_prepared_rows_are_written_later_without_converting_again(org):
    """`prepare` converts without a query (a writer does it before its write transaction);
    `write` then only sends the statement."""
    rows = [_audit(org, f"p{i}") for i in range(3)]
    with CaptureQueriesContext(connection) as ctx:
        prepared = db.prepare(rows)
    assert ctx.captured_queries == [] and all(r.pk is None for r in rows)
    rows[0].note = "changed after prepare"  # not read again
    with CaptureQueriesContext(connection) as ctx:
        db.write(prepared)
    assert len(ctx.captured_queries) == 1
    assert AuditEvent.objects.get(pk=rows[0].pk).note == "p0"
    assert db.prepare([]) is None
    db.write(None)  # nothing to write


def test_reserved_keys_taken_by_another_writer_are_seen_as_taken(org):
    """SQLite reserves the next keys, which another writer may take before the write
    transaction: `keys_free` says so. PostgreSQL draws them from the sequence: no one else
    gets them."""
    from shanzhi.cases.models import Case

    keys = db.reserve_keys(Case, 3)
    assert keys == list(range(keys[0], keys[0] + 3))
    assert db.keys_free(Case, keys)
    other = _case(org, "OTHER0001")
    db.insert([other])
    if connection.vendor == "sqlite":
        assert other.pk == keys[0]
        assert not db.keys_free(Case, keys)
    else:
        assert other.pk not in keys
        assert db.keys_free(Case, keys)
    again = db.reserve_keys(Case, 2)
    assert min(again) > max(other.pk, *keys[:1]) and db.keys_free(Case, again)


def test_reserved_keys_never_reuse_a_deleted_rows_key(org):
    """A key once used is never reserved again, even after its row is gone (audit rows and
    links name objects by key)."""
    from shanzhi.cases.models import Submission

    sub = Submission(
        code="GONE00001", received_at=timezone.now(), submitted_by=org.users["admin"], source="api", data={}
    )
    db.insert([sub])
    Submission.objects.filter(pk=sub.pk).delete()
    (key,) = db.reserve_keys(Submission, 1)
    assert key > sub.pk


def test_a_duplicate_key_in_a_copied_batch_is_an_integrity_error(org):
    """On every database a unique index refusing a row of a batch is Django's IntegrityError,
    and nothing of the batch stays."""
    from shanzhi.cases.models import Submission

    def sub(code):
        return Submission(code=code, received_at=timezone.now(), submitted_by=org.users["admin"], source="api", data={})

    db.insert([sub("DUP000001")])
    batch = [sub(f"DUP1{i:05d}") for i in range(db.COPY_MIN + 2)] + [sub("DUP000001")]
    with pytest.raises(IntegrityError), transaction.atomic():
        db.insert(batch)
    assert Submission.objects.filter(code__startswith="DUP1").count() == 0


def test_same_rows_as_bulk_create(org):
    mine, theirs = _audit(org, "x"), _audit(org, "x")
    db.insert([mine])
    AuditEvent.objects.bulk_create([theirs])
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "at")]
    a, b = (AuditEvent.objects.values(*fields).get(pk=o.pk) for o in (mine, theirs))
    assert a == b


def test_a_model_with_receivers_is_saved_by_the_orm(org):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.date, created))

    post_save.connect(receiver, sender=CalendarOverride, dispatch_uid="test-db-insert")
    try:
        day = datetime.date(2031, 5, 6)
        row = CalendarOverride(date=day, is_workday=True, name="调休")
        db.insert([row])
    finally:
        post_save.disconnect(dispatch_uid="test-db-insert", sender=CalendarOverride)
    assert seen == [(day, True)]
    assert CalendarOverride.objects.get(pk=row.pk).name == "调休"


def test_refuses_saved_or_mixed_instances(org):
    saved = _audit(org, "a")
    db.insert([saved])
    with pytest.raises(ValueError):
        db.insert([saved])
    with pytest.raises(ValueError):
        db.insert([_audit(org, "b"), CalendarOverride(date=datetime.date(2031, 1, 1), is_workday=False)])
    keyed, unkeyed = _audit(org, "c"), _audit(org, "d")
    keyed.pk = 10**9
    with pytest.raises(ValueError):
        db.insert([keyed, unkeyed])  # all with reserved keys, or none


def test_constraint_errors_surface_and_roll_back(org):
    CalendarOverride.objects.create(date=datetime.date(2031, 2, 3), is_workday=False)
    post_save_listeners = post_save.has_listeners(CalendarOverride)
    assert post_save_listeners  # (the router's cache listens: this goes through the ORM path)
    count = AuditEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        db.insert([_audit(org, "kept?")])
        row = _audit(org, "bad")
        row.actor_id = 10**9  # no such user: the foreign key refuses it
        db.insert([row])
        connection.check_constraints()  # SQLite checks deferred keys at commit; force it here
    assert AuditEvent.objects.count() == count


def test_values_passed_as_they_are_are_what_the_orm_would_pass():
    """The plain-value shortcut: for every field of every model that takes it on this database,
    a value of a listed type converts to itself through the ORM's own method (and None to None).
    On PostgreSQL psycopg 3 wraps integers (Int2, Int4 …): they take the ORM's way there."""
    from django.apps import apps

    samples = {str: ["", "甲乙", "x" * 300], int: [0, 7, 2**40], bool: [True, False], float: [0.0, 113.357]}
    checked = 0
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            plain = db._plain(field, connection)
            for typ in plain:
                for value in samples.get(typ, [None]):
                    out = field.get_db_prep_save(value, connection=connection)
                    assert type(out) is typ and out == value, (field, value, out)
                checked += 1
    assert checked > 50
    from shanzhi.cases.models import Case

    # Fields that convert (JSON, system texts, date-times) are never passed as they are.
    for name in ("routing_reason", "received_at", "deadline", "code"):
        field = Case._meta.get_field(name)
        assert (str in db._plain(field, connection)) is (name == "code")
    if connection.vendor == "postgresql":
        assert int not in db._plain(Case._meta.get_field("priority"), connection)
    else:
        assert int in db._plain(Case._meta.get_field("priority"), connection)


def test_aware_datetimes_convert_as_the_orm_would(org):
    """The date-time shortcut: for every date-time field of every model, an aware datetime
    converts through the adapter alone exactly as through `get_db_prep_save`; a naive one is
    never given the shortcut (the ORM warns and makes it aware)."""
    from django.apps import apps

    zones = [datetime.UTC, datetime.timezone(datetime.timedelta(hours=8)), timezone.get_current_timezone()]
    stamps = [datetime.datetime(2026, 11, 26, 9, 30, tzinfo=z) for z in zones] + [
        datetime.datetime(1901, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC),
        datetime.datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        timezone.now(),
    ]
    checked = 0
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            aware = db._aware(field, connection)
            if aware is None:
                continue
            for value in stamps:
                assert aware(value) == field.get_db_prep_save(value, connection=connection), (field, value)
            checked += 1
    assert checked > 20
    from shanzhi.notifications.models import Notification

    naive = datetime.datetime(2026, 1, 2, 3, 4, 5)  # the ORM's way, with its warning
    row = Notification(recipient=org.users["admin"], title="t", read_at=naive)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        db.insert([row])
    assert Notification.objects.get(pk=row.pk).read_at == timezone.make_aware(naive)


def test_columns_read_as_they_are_are_what_pre_save_returns():
    """Columns read with getattr are those whose `pre_save` returns the attribute unchanged;
    auto_now / auto_now_add columns still get their time from `pre_save`."""
    from django.apps import apps

    sentinel = object()
    read, stamped = 0, 0
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            obj = model.__new__(model)
            obj.__dict__[field.attname] = sentinel
            if db._read_as_is(field):
                assert field.pre_save(obj, True) is sentinel, field
                read += 1
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                assert field.pre_save(obj, True) is not sentinel, field
                stamped += 1
    assert read > 100 and stamped > 10
