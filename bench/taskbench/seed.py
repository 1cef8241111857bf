"""Test data: users and tasks, the same for both servers.

Small data sets go through each server's own HTTP API (sign-up, POST /api/tasks, PATCH
.../complete), so both servers store exactly what they would store for real clients.

The user with 1 000 000 tasks is written straight into each server's SQLite file with
Python's sqlite3 module, in each server's own schema (Taskward: migrations/sqlite, 16-byte
UUIDv7 blobs, integer microseconds, priority 1..3, tags as JSON text plus task_tags rows;
the peer: its SQLModel tables, text UUIDs and SQLAlchemy's datetime text). Taskward's
lower-cased search columns (title_lower, description_lower) are filled as it fills them. Going through
the API would take hours on the peer. The user account itself is made with the API.
"""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

PASSWORD = "bench-password-123"  # 18 characters: valid for both servers (peer: <= 72 bytes)


class Api:
    """A tiny JSON client for one server on 127.0.0.1, one keep-alive connection per thread."""

    def __init__(self, port: int):
        self.port = port
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self._local.conn = conn
        return conn

    def call(self, method: str, path: str, token: str = "", body: object | None = None):
        """(status, parsed JSON or None). Retries once on a dropped keep-alive connection."""
        headers = {}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed

    def expect(self, status: int, method: str, path: str, token: str = "", body=None):
        got, parsed = self.call(method, path, token, body)
        if got != status:
            raise RuntimeError(f"{method} {path} answered {got}, expected {status}: {str(parsed)[:300]}")
        return parsed


@dataclass
class User:
    email: str
    password: str
    token: str = ""
    id: str = ""
    task_ids: list[str] = field(default_factory=list)


def signup(api: Api, email: str) -> User:
    body = api.expect(201, "POST", "/api/auth/signup", body={"email": email, "password": PASSWORD})
    return User(email=email, password=PASSWORD, token=body["access_token"], id=body["user"]["id"])


def task_body(i: int) -> dict:
    """The i-th seeded task: half of the titles contain "report" (the search scenario),
    a mix of priorities, tags and due dates."""
    title = f"Write quarterly report {i}" if i % 2 == 0 else f"Buy groceries for the week {i}"
    body = {
        "title": title,
        "description": "Seeded by the Taskward benchmark; a line of ordinary text.",
        "priority": ("low", "medium", "high")[i % 3],
        "tags": [["work"], ["home", "errand"], []][i % 3],
    }
    if i % 4 == 0:
        body["due_at"] = "2027-01-15T09:00:00Z"
    return body


def seed_users(api: Api, prefix: str, n_users: int, tasks_each: int, complete_every: int = 3,
               workers: int = 8) -> list[User]:
    """n_users accounts with tasks_each tasks each; every `complete_every`-th task is
    completed (so `status=pending` filters out a third)."""
    with ThreadPoolExecutor(workers) as pool:
        users = list(pool.map(lambda k: signup(api, f"{prefix}{k}@bench.test"), range(n_users)))
        status, body = api.call("POST", "/api/tasks", users[0].token, task_body(0))
        if status != 201:
            # A server without the task routes (yet): keep the users, the task scenarios
            # will report themselves as skipped.
            print(f"  note: POST /api/tasks answered {status}; no tasks seeded")
            return users
        # (That probe task stays: user 0 has one more task, on both servers alike.)

        def add(job):
            user, i = job
            task = api.expect(201, "POST", "/api/tasks", user.token, task_body(i))
            if complete_every and i % complete_every == 2:
                api.expect(200, "PATCH", f"/api/tasks/{task['id']}/complete", user.token)
            return user, task["id"]

        # Tasks are created in order per user (i = 0, 1, ...), users interleaved.
        jobs = [(u, i) for i in range(tasks_each) for u in users]
        for user, task_id in pool.map(add, jobs):
            user.task_ids.append(task_id)
    return users


# ---------------------------------------------------------------------------------------
# The user with a million tasks, written directly into SQLite.


@dataclass
class BigTask:
    created_us: int
    title: str
    description: str
    completed: bool
    completed_us: int | None
    priority: int  # 1 low, 2 medium, 3 high
    due_us: int | None
    tags: list[str]


def big_tasks(n: int, now_us: int):
    """n tasks created over the past n * 30 s (a million: about a year), oldest first.

    Like a long-lived account: 90 % are completed (every 10th is pending), 1 in 7 titles
    contains "report", 2 in 5 tasks carry tags, a quarter have a due date.
    """
    nouns = ("groceries", "invoice", "dentist", "garden", "taxes", "slides", "car", "backup")
    verbs = ("Buy", "Pay", "Call", "Fix", "Plan", "Review", "Book", "Clean")
    for i in range(n):
        created = now_us - (n - i) * 30_000_000
        completed = i % 10 != 0
        if i % 7 == 0:
            title = f"Write quarterly report {i}"
        else:
            title = f"{verbs[i % 8]} {nouns[(i // 8) % 8]} {i}"
        yield BigTask(
            created_us=created,
            title=title,
            description="" if i % 3 else "Seeded directly into SQLite by the benchmark.",
            completed=completed,
            completed_us=created + 3_600_000_000 if completed else None,
            priority=1 + i % 3,
            due_us=created + 7 * 86_400_000_000 if i % 4 == 0 else None,
            tags=(["work"], ["home", "errand"], [], [], [])[i % 5],
        )


def _uuid7_bytes(ms: int, rng: random.Random) -> bytes:
    """RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, variant 10, random bits."""
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    return value.to_bytes(16, "big")


def _check_columns(db: sqlite3.Connection, table: str, known: set[str]) -> None:
    """Refuse to seed a schema this code does not know (a new NOT NULL column without a
    default would make every insert fail halfway through a million rows)."""
    for _cid, name, _type, notnull, default, pk in db.execute(f"PRAGMA table_info({table})"):
        if name not in known and notnull and default is None and not pk:
            raise RuntimeError(
                f"{table}.{name} is NOT NULL without a default: bench/taskbench/seed.py must learn it"
            )


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("PRAGMA busy_timeout=60000")
    db.execute("PRAGMA synchronous=OFF")  # bulk load; the servers keep their own setting
    return db


def seed_big_taskward(db_path: Path, user_id: str, n: int, now_us: int, chunk: int = 50_000) -> float:
    """Insert n tasks (plus task_tags rows) for user_id into Taskward's SQLite file, all in
    the user's inbox (whose id is the user's own)."""
    t0 = time.perf_counter()
    rng = random.Random(7)
    owner = uuid.UUID(user_id).bytes
    db = _open(db_path)
    _check_columns(
        db,
        "tasks",
        {"id", "user_id", "list_id", "title", "title_lower", "description", "description_lower",
         "completed", "completed_at", "priority", "due_at", "due_key", "tags", "created_at",
         "updated_at", "version"},
    )
    db.execute("BEGIN IMMEDIATE")
    rows, tag_rows = [], []

    def flush():
        db.executemany(
            "INSERT INTO tasks (id, user_id, list_id, title, title_lower, description,"
            " description_lower, completed, completed_at, priority, due_at, due_key, tags,"
            " created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)",
            rows,
        )
        db.executemany("INSERT INTO task_tags (list_id, tag, task_id) VALUES (?,?,?)", tag_rows)
        rows.clear()
        tag_rows.clear()

    for t in big_tasks(n, now_us):
        tid = _uuid7_bytes(t.created_us // 1000, rng)
        rows.append((
            # title_lower / description_lower: Taskward's lower-cased copies for search
            # (its own lower-casing is Unicode-aware; these texts are ASCII).
            # due_key: the instant dues sort and filter by, the due itself for a timed one.
            tid, owner, owner, t.title, t.title.lower(), t.description, t.description.lower(),
            int(t.completed), t.completed_us, t.priority,
            t.due_us, t.due_us, json.dumps(t.tags, separators=(",", ":")), t.created_us,
            t.completed_us or t.created_us,
        ))
        tag_rows.extend((owner, tag, tid) for tag in t.tags)
        if len(rows) >= chunk:
            flush()
    if rows:
        flush()
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0


def _peer_dt(us: int | None) -> str | None:
    """SQLAlchemy's DateTime text on SQLite, as the peer writes it: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed_big_peer(db_path: Path, user_id: str, n: int, now_us: int, chunk: int = 50_000) -> float:
    """Insert the same n tasks for user_id into the peer's SQLite file (its SQLModel schema)."""
    t0 = time.perf_counter()
    rng = random.Random(7)
    db = _open(db_path)
    _check_columns(
        db,
        "tasks",
        {"id", "user_id", "title", "description", "completed", "priority", "due_at", "tags",
         "created_at", "updated_at", "completed_at"},
    )
    db.execute("BEGIN IMMEDIATE")
    rows = []
    priorities = {1: "low", 2: "medium", 3: "high"}

    def flush():
        db.executemany(
            "INSERT INTO tasks (id, user_id, title, description, completed, priority, due_at, tags,"
            " created_at, updated_at, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        rows.clear()

    for t in big_tasks(n, now_us):
        rows.append((
            str(uuid.UUID(int=rng.getrandbits(128), version=4)), user_id, t.title,
            t.description or None, int(t.completed), priorities[t.priority], _peer_dt(t.due_us),
            json.dumps(t.tags), _peer_dt(t.created_us), _peer_dt(t.completed_us or t.created_us),
            _peer_dt(t.completed_us),
        ))
        if len(rows) >= chunk:
            flush()
    if rows:
        flush()
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0
