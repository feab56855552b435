"""Django's SQLite backend, with writers queued on a lock file instead of SQLite's busy handler.

SQLite lets one connection write at a time. A second writer's `BEGIN IMMEDIATE` gets
SQLITE_BUSY and SQLite's busy handler retries it after sleeping 1, 2, 5, 10, 15, 20, 25 … ms,
however short the first writer's transaction is: a case intake holds the lock for well under
a millisecond, so web processes on SQLite sat idle for about a fifth of the time under load
(docs/adr/0004-sqlite-write-queue.md). Here each transaction Django opens takes an exclusive
`flock` on `<database>.writelock` first and gives it back at COMMIT or ROLLBACK: a waiter asks
again within a fraction of a millisecond, and the lock passes from writer to writer. The lock
dies with its process, so a crash leaves nothing locked. After `busy_timeout` the
transaction starts without the queue, and SQLite's own locking decides as before.

Writes outside a transaction (autocommit) do not queue; SQLite's busy handler still covers
them, and any other program writing the file.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db.backends.sqlite3 import base

# The waiter's first sleeps, then every one: short enough that the lock changes hands within a
# fraction of a millisecond, long enough not to spin (each try is one system call).
FIRST_SLEEP = 0.00005
LONGEST_SLEEP = 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queued = False
    _busy_timeout: float | None = None

    def _queue_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writelock"

    def _queue_enter(self) -> None:
        if self._queue_fd is None:
            path = self._queue_path()
            if path is None:
                return
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fd = self._queue_fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            deadline = time.monotonic() + self._busy_seconds()
            sleep = FIRST_SLEEP
            while True:
                time.sleep(sleep)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        return  # SQLite's own locking decides (busy handler, then "database is locked")
                sleep = min(sleep * 2, LONGEST_SLEEP)
        self._queued = True

    def _queue_leave(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _busy_seconds(self) -> float:
        if self._busy_timeout is None:
            self._busy_timeout = self.connection.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
        return self._busy_timeout

    def _start_transaction_under_autocommit(self):
        self._queue_enter()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._queue_leave()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if not (self.connection is not None and self.connection.in_transaction):
                self._queue_leave()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._queue_leave()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._queue_leave()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None
