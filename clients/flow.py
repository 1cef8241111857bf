"""A whole session with Taskward through a Python client generated from the server's own
OpenAPI document by openapi-python-client, written the way a user of that client would
write it. ./run generates the `taskward_client` package from $BASE_URL/openapi.json into a
temporary directory on PYTHONPATH and runs this file against $BASE_URL."""

import os
import re
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from taskward_client import AuthenticatedClient, Client
from taskward_client.api.accounts import (
    auth_delete,
    auth_me,
    auth_me_update,
    auth_password,
    auth_refresh,
    auth_signin,
    auth_signout,
    auth_signup,
)
from taskward_client.api.tasks import (
    tasks_complete,
    tasks_create,
    tasks_create_for_user,
    tasks_delete,
    tasks_get,
    tasks_get_for_user,
    tasks_list,
    tasks_list_for_user,
    tasks_patch,
    tasks_patch_for_user,
    tasks_replace,
)
from taskward_client.models import (
    AuthResponse,
    ChangePassword,
    Completion,
    CreateAccount,
    DeleteAccount,
    Priority,
    Problem,
    Refresh,
    SignIn,
    Sort,
    Status,
    Task,
    TaskChanges,
    TaskInput,
    UpdateAccount,
    User,
)
from taskward_client.types import UNSET, Response, Unset

BASE_URL = os.environ["BASE_URL"]


def expect(response: Response[Any], status: HTTPStatus) -> Any:
    """The parsed body of a response that must have `status`; fails with what came instead."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content[:500]!r}"
    )
    return response.parsed


def task_of(response: Response[Any], status: HTTPStatus = HTTPStatus.OK) -> Task:
    task = expect(response, status)
    assert isinstance(task, Task), task
    return task


def tasks_of(response: Response[Any]) -> list[Task]:
    tasks = expect(response, HTTPStatus.OK)
    assert isinstance(tasks, list) and all(isinstance(t, Task) for t in tasks), tasks
    return tasks


def tokens_of(response: Response[Any], status: HTTPStatus = HTTPStatus.OK) -> AuthResponse:
    tokens = expect(response, status)
    assert isinstance(tokens, AuthResponse), tokens
    return tokens


def problem_of(response: Response[Any], status: HTTPStatus) -> Problem:
    problem = expect(response, status)
    assert isinstance(problem, Problem), problem
    assert problem.status == status and problem.detail, problem
    return problem


def next_cursor(response: Response[Any]) -> str | None:
    """The `cursor` of the `Link: <...>; rel="next"` header, if there is a next page."""
    link = response.headers.get("link", "")
    match = re.search(r'<([^>]*)>\s*;\s*rel="next"', link)
    if match is None:
        return None
    return parse_qs(urlsplit(match.group(1)).query)["cursor"][0]


def total_count(response: Response[Any]) -> int:
    return int(response.headers["x-total-count"])


def titles(tasks: list[Task]) -> list[str]:
    return [task.title for task in tasks]


anonymous = Client(base_url=BASE_URL, raise_on_unexpected_status=True)

# ---- sign up

email = f"py-{uuid.uuid4()}@example.com"
password = "correct horse battery staple"
signup = tokens_of(
    auth_signup.sync_detailed(client=anonymous, body=CreateAccount(email=email, password=password)),
    HTTPStatus.CREATED,
)
assert signup.token_type == "Bearer" and signup.expires_in > 0
assert signup.user.email == email
assert signup.user.name == email.split("@")[0]
user_id = signup.user.id
problem_of(
    auth_signup.sync_detailed(client=anonymous, body=CreateAccount(email=email, password=password)),
    HTTPStatus.CONFLICT,
)

api = AuthenticatedClient(base_url=BASE_URL, token=signup.access_token, raise_on_unexpected_status=True)
me = expect(auth_me.sync_detailed(client=api), HTTPStatus.OK)
assert isinstance(me, User) and me.id == user_id
renamed = expect(auth_me_update.sync_detailed(client=api, body=UpdateAccount(name="Ada Lovelace")), HTTPStatus.OK)
assert isinstance(renamed, User) and renamed.name == "Ada Lovelace"

# ---- tasks: create, read, replace, change, complete

created = tasks_create.sync_detailed(client=api, body=TaskInput(title="Buy milk"))
milk = task_of(created, HTTPStatus.CREATED)
assert milk.title == "Buy milk" and milk.description == "" and milk.priority == Priority.MEDIUM
assert milk.completed is False and milk.completed_at is None and milk.due_at is None
assert milk.tags == [] and milk.user_id == user_id
assert created.headers["location"] == f"/api/tasks/{milk.id}"
milk_etag = created.headers["etag"]

taxes = task_of(
    tasks_create.sync_detailed(
        client=api,
        body=TaskInput(
            title="  File taxes ",
            description="Before the deadline",
            priority=Priority.HIGH,
            due_at=datetime.fromisoformat("2026-11-30T18:00:00+01:00"),
            tags=[" Paperwork", "home", "HOME"],
        ),
    ),
    HTTPStatus.CREATED,
)
assert taxes.title == "File taxes" and taxes.priority == Priority.HIGH
assert taxes.tags == ["paperwork", "home"]
assert taxes.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)

fetched = tasks_get.sync_detailed(milk.id, client=api)
assert task_of(fetched) == milk
assert fetched.headers["etag"] == milk_etag
not_modified = tasks_get.sync_detailed(milk.id, client=api, if_none_match=milk_etag)
assert not_modified.status_code == HTTPStatus.NOT_MODIFIED, not_modified

replaced = tasks_replace.sync_detailed(
    milk.id,
    client=api,
    if_match=milk_etag,
    body=TaskInput(title="Buy oat milk", description="Two litres", tags=["shop"]),
)
oat_milk = task_of(replaced)
assert oat_milk.title == "Buy oat milk" and oat_milk.priority == Priority.MEDIUM
stale_etag, milk_etag = milk_etag, replaced.headers["etag"]
assert milk_etag != stale_etag

# A second device still holding the old ETag is refused and changes nothing.
problem_of(
    tasks_patch.sync_detailed(milk.id, client=api, if_match=stale_etag, body=TaskChanges(title="Buy soy milk")),
    HTTPStatus.PRECONDITION_FAILED,
)
unchanged = tasks_get.sync_detailed(milk.id, client=api)
assert task_of(unchanged).title == "Buy oat milk"
assert unchanged.headers["etag"] == milk_etag

patched = tasks_patch.sync_detailed(
    milk.id,
    client=api,
    if_match=milk_etag,
    body=TaskChanges(priority=Priority.LOW, due_at=datetime(2026, 12, 24, 8, 0, tzinfo=UTC), description=None),
)
low_milk = task_of(patched)
assert low_milk.priority == Priority.LOW and low_milk.description == ""
assert low_milk.due_at == datetime(2026, 12, 24, 8, 0, tzinfo=UTC)
assert low_milk.tags == ["shop"], "PATCH keeps what it does not name"

toggled = task_of(tasks_complete.sync_detailed(milk.id, client=api))
assert toggled.completed is True and isinstance(toggled.completed_at, datetime)
still_done = task_of(tasks_complete.sync_detailed(milk.id, client=api, body=Completion(completed=True)))
assert still_done.completed is True, "a body sets rather than toggles"
undone = task_of(tasks_complete.sync_detailed(milk.id, client=api))
assert undone.completed is False and undone.completed_at is None
task_of(tasks_patch.sync_detailed(taxes.id, client=api, body=TaskChanges(completed=True)))

# ---- what the server refuses, it explains

too_long = problem_of(
    tasks_create.sync_detailed(client=api, body=TaskInput(title="Read this", description="x" * 3000)),
    HTTPStatus.UNPROCESSABLE_ENTITY,
)
assert isinstance(too_long.errors, list) and [e.field for e in too_long.errors] == ["description"], too_long
# A pasted book is refused before it is read.
problem_of(
    tasks_create.sync_detailed(client=api, body=TaskInput(title="Read this", description="x" * 70_000)),
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
)

# ---- the old backend's route shape: /api/{user_id}/tasks

plants = task_of(
    tasks_create_for_user.sync_detailed(
        str(user_id), client=api, body=TaskInput(title="Water the plants", tags=["home"])
    ),
    HTTPStatus.CREATED,
)
assert task_of(tasks_get_for_user.sync_detailed(str(user_id), plants.id, client=api)) == plants
home = tasks_of(tasks_list_for_user.sync_detailed(str(user_id), client=api, tag="home"))
assert sorted(titles(home)) == ["File taxes", "Water the plants"]
problem_of(tasks_list_for_user.sync_detailed(str(uuid.uuid4()), client=api), HTTPStatus.FORBIDDEN)

# ---- filters and sorting

for title in ["Call the bank", "Book flights", "Clean the oven", "Pay rent", "Read a book"]:
    task_of(tasks_create.sync_detailed(client=api, body=TaskInput(title=title, tags=["chores"])), HTTPStatus.CREATED)
# Tasks now: Buy oat milk (low, pending, shop), File taxes (high, done, paperwork+home),
# Water the plants (home) and five chores, all medium and pending.

pending = tasks_list.sync_detailed(client=api, status=Status.PENDING)
assert len(tasks_of(pending)) == 7 and total_count(pending) == 7
assert titles(tasks_of(tasks_list.sync_detailed(client=api, status=Status.COMPLETED))) == ["File taxes"]
assert total_count(tasks_list.sync_detailed(client=api, status=Status.ALL)) == 8
assert [t.id for t in tasks_of(tasks_list.sync_detailed(client=api, priority=Priority.HIGH))] == [taxes.id]
assert total_count(tasks_list.sync_detailed(client=api, tag="CHORES")) == 5
assert sorted(titles(tasks_of(tasks_list.sync_detailed(client=api, q="BOOK")))) == ["Book flights", "Read a book"]
due_soon = tasks_list.sync_detailed(client=api, due_before=datetime(2026, 12, 1, tzinfo=UTC))
assert titles(tasks_of(due_soon)) == ["File taxes"]

by_title = titles(tasks_of(tasks_list.sync_detailed(client=api, sort=Sort.TITLE)))
assert by_title == sorted(by_title)
by_priority = tasks_of(tasks_list.sync_detailed(client=api, sort=Sort("-priority")))
assert [t.priority for t in by_priority] == [Priority.HIGH] + [Priority.MEDIUM] * 6 + [Priority.LOW]
by_due = tasks_of(tasks_list.sync_detailed(client=api, sort=Sort.DUE_AT))
assert [t.title for t in by_due[:2]] == ["File taxes", "Buy oat milk"], "due dates first, soonest first"

# ---- cursor paging: follow rel="next" until there is none

seen: list[str] = []
cursor: str | Unset = UNSET
pages = 0
while True:
    page = tasks_list.sync_detailed(client=api, limit=3, sort=Sort.TITLE, cursor=cursor)
    seen += titles(tasks_of(page))
    assert total_count(page) == 8
    pages += 1
    assert pages <= 3, "three pages of three at most"
    next_page = next_cursor(page)
    if next_page is None:
        break
    cursor = next_page
assert pages == 3
assert seen == by_title, "every task once, in order"

# ---- delete, guarded by If-Match

plants_etag = tasks_get.sync_detailed(plants.id, client=api).headers["etag"]
task_of(tasks_patch_for_user.sync_detailed(str(user_id), plants.id, client=api, body=TaskChanges(title="Water the ferns")))
problem_of(
    tasks_delete.sync_detailed(plants.id, client=api, if_match=plants_etag), HTTPStatus.PRECONDITION_FAILED
)
fresh = tasks_get.sync_detailed(plants.id, client=api)
assert task_of(fresh).title == "Water the ferns"
deleted = tasks_delete.sync_detailed(plants.id, client=api, if_match=fresh.headers["etag"])
assert deleted.status_code == HTTPStatus.NO_CONTENT, deleted
problem_of(tasks_get.sync_detailed(plants.id, client=api), HTTPStatus.NOT_FOUND)

# ---- refresh: a new pair; the old refresh token is spent

refreshed = tokens_of(auth_refresh.sync_detailed(client=anonymous, body=Refresh(refresh_token=signup.refresh_token)))
assert refreshed.refresh_token != signup.refresh_token and refreshed.user.id == user_id
api = AuthenticatedClient(base_url=BASE_URL, token=refreshed.access_token, raise_on_unexpected_status=True)
expect(auth_me.sync_detailed(client=api), HTTPStatus.OK)
problem_of(
    auth_refresh.sync_detailed(client=anonymous, body=Refresh(refresh_token=signup.refresh_token)),
    HTTPStatus.UNAUTHORIZED,
)
# Presenting a spent refresh token ends the whole session it belonged to.
problem_of(auth_me.sync_detailed(client=api), HTTPStatus.UNAUTHORIZED)

# ---- sign in again, then sign out

session = tokens_of(auth_signin.sync_detailed(client=anonymous, body=SignIn(email=email, password=password)))
api = AuthenticatedClient(base_url=BASE_URL, token=session.access_token, raise_on_unexpected_status=True)
tasks_of(tasks_list.sync_detailed(client=api))
signed_out = auth_signout.sync_detailed(client=api)
assert signed_out.status_code == HTTPStatus.NO_CONTENT, signed_out
after = tasks_list.sync_detailed(client=api)
problem_of(after, HTTPStatus.UNAUTHORIZED)
assert after.headers["www-authenticate"].startswith("Bearer")
problem_of(
    auth_refresh.sync_detailed(client=anonymous, body=Refresh(refresh_token=session.refresh_token)),
    HTTPStatus.UNAUTHORIZED,
)

# ---- change the password, then delete the account

last = tokens_of(auth_signin.sync_detailed(client=anonymous, body=SignIn(email=email, password=password)))
api = AuthenticatedClient(base_url=BASE_URL, token=last.access_token, raise_on_unexpected_status=True)
new_password = "a different long passphrase"
changed = auth_password.sync_detailed(
    client=api, body=ChangePassword(current_password=password, new_password=new_password)
)
assert changed.status_code == HTTPStatus.NO_CONTENT, changed
problem_of(
    auth_signin.sync_detailed(client=anonymous, body=SignIn(email=email, password=password)),
    HTTPStatus.UNAUTHORIZED,
)
gone = auth_delete.sync_detailed(client=api, body=DeleteAccount(password=new_password))
assert gone.status_code == HTTPStatus.NO_CONTENT, gone
problem_of(
    auth_signin.sync_detailed(client=anonymous, body=SignIn(email=email, password=new_password)),
    HTTPStatus.UNAUTHORIZED,
)

print("Python client: the whole flow passed")
