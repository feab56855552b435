"""The SQLite backend's write queue (shanzhi.core.sqlite): transactions take turns on a lock
file, give it back at COMMIT, ROLLBACK and close, and never wait on it for ever."""

import fcntl
import os
import threading
from contextlib import contextmanager

import pytest
from django.db.utils import ConnectionHandler


def _wrapper(path, busy_ms=10000):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "shanzhi.core.sqlite",
                "NAME": str(path),
                "OPTIONS": {
                    "init_command": f"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busy_ms};",
                    "transaction_mode": "IMMEDIATE",
                },
            }
        }
    )
    return handler["default"]


@contextmanager
def _transaction(w):
    """What transaction.atomic() does on a connection outside any atomic block."""
    w.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield w
    except BaseException:
        w.rollback()
        raise
    else:
        w.commit()
    finally:
        w.set_autocommit(True)


def _queue_is_free(path) -> bool:
    fd = os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # (also gives the lock back if it was taken)
    return True


@pytest.fixture(autouse=True)
def _own_database(django_db_blocker):
    """These tests open their own SQLite file (on any test database, PostgreSQL included)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "queue.sqlite3"
    w = _wrapper(path)
    with w.cursor() as cur:
        cur.execute("CREATE TABLE t (id integer primary key, who text)")
    w.close()
    return path


def test_a_transaction_holds_the_queue_until_commit(db_path):
    w = _wrapper(db_path)
    with _transaction(w):
        w.cursor().execute("INSERT INTO t (who) VALUES ('a')")
        assert not _queue_is_free(db_path)
    assert _queue_is_free(db_path)
    # Writes outside a transaction do not queue (SQLite's busy handler covers them).
    w.cursor().execute("INSERT INTO t (who) VALUES ('b')")
    assert _queue_is_free(db_path)
    assert w.cursor().execute("SELECT count(*) FROM t").fetchone()[0] == 2
    w.close()


def test_rollback_and_close_give_the_queue_back(db_path):
    w = _wrapper(db_path)
    with pytest.raises(ZeroDivisionError), _transaction(w):
        w.cursor().execute("INSERT INTO t (who) VALUES ('lost')")
        raise ZeroDivisionError
    assert _queue_is_free(db_path)
    assert w.cursor().execute("SELECT count(*) FROM t").fetchone()[0] == 0
    w.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not _queue_is_free(db_path)
    w.close()  # e.g. a broken connection dropped inside its transaction
    assert _queue_is_free(db_path)


def test_writers_take_turns(db_path):
    a_in, a_go, b_in = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def first():
        w = _wrapper(db_path)
        try:
            with _transaction(w):
                w.cursor().execute("INSERT INTO t (who) VALUES ('first')")
                a_in.set()
                a_go.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            w.close()

    def second():
        a_in.wait(10)
        w = _wrapper(db_path)
        try:
            with _transaction(w):
                b_in.set()
                w.cursor().execute("INSERT INTO t (who) VALUES ('second')")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            w.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert a_in.wait(10)
    assert not b_in.wait(0.3)  # the second writer waits in the queue while the first holds it
    a_go.set()
    for t in threads:
        t.join(10)
    assert not errors and b_in.is_set()
    w = _wrapper(db_path)
    assert [r[0] for r in w.cursor().execute("SELECT who FROM t ORDER BY id")] == ["first", "second"]
    w.close()


def test_a_queue_held_too_long_leaves_the_decision_to_sqlite(db_path):
    # Someone holds the lock file but not the database (say, a stuck process): after the busy
    # timeout the transaction starts anyway, and SQLite's own lock lets it through.
    fd = os.open(f"{db_path}.writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    done = []

    def write():
        w = _wrapper(db_path, busy_ms=100)
        with _transaction(w):
            w.cursor().execute("INSERT INTO t (who) VALUES ('late')")
        w.close()
        done.append(True)

    try:
        t = threading.Thread(target=write)
        t.start()
        t.join(10)
        assert done == [True]
    finally:
        os.close(fd)
