// A whole session with Taskward through a TypeScript client generated from the server's own
// OpenAPI document (openapi-typescript for the types, openapi-fetch for the calls), written
// the way a user of those tools would write it: no casts, no `any`, no non-null assertions.
// If this needs any of them to compile, the document is lying. ./run generates
// ./generated/taskward.ts from $BASE_URL/openapi.json, checks this file with
// `tsc --strict` and runs it against $BASE_URL.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import createClient from "openapi-fetch";

import type { components, paths } from "./generated/taskward.js";

type Task = components["schemas"]["Task"];
type SignIn = components["schemas"]["SignIn"];

const baseUrl = process.env.BASE_URL;
assert.ok(baseUrl, "BASE_URL names the server, e.g. http://127.0.0.1:8000");

/** A `data`/`error`/`response` triple as openapi-fetch returns it. */
interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a response that must have `status`; fails with what came instead. */
function expect<T>(result: Result<T>, status: number): T {
  expectStatus(result, status);
  assert.ok(result.data !== undefined, `${result.response.url}: a ${status} with a body`);
  return result.data;
}

/** A sign-in's answer when it gives tokens (an account without two-factor sign-in); the
 * other shape, `{mfa_required, mfa_token, methods}`, asks for a code first. */
function givesTokens<T extends object>(answer: T): answer is Extract<T, { access_token: string }> {
  return "access_token" in answer;
}

function tokensOf<T extends object>(answer: T): Extract<T, { access_token: string }> {
  if (givesTokens(answer)) return answer;
  throw new Error("a sign-in that gives tokens, not a two-factor challenge");
}

/** Checks a response that has no body worth reading (204, 304, 4xx). */
function expectStatus(result: Result<unknown>, status: number): void {
  const { response } = result;
  assert.equal(
    response.status,
    status,
    `${response.url}: expected ${status}, got ${response.status} ${JSON.stringify(result.error ?? result.data)}`,
  );
}

/** The `cursor` of the `Link: <...>; rel="next"` header, if there is a next page. */
function nextCursor(response: Response): string | undefined {
  const link = response.headers.get("Link");
  const next = link?.match(/<([^>]*)>\s*;\s*rel="next"/);
  if (!next) return undefined;
  const cursor = new URL(next[1], baseUrl).searchParams.get("cursor");
  assert.ok(cursor, `the next link carries a cursor: ${link}`);
  return cursor;
}

function etagOf(response: Response): string {
  const etag = response.headers.get("ETag");
  assert.ok(etag, `${response.url} sends an ETag`);
  return etag;
}

function totalCount(response: Response): number {
  const total = Number(response.headers.get("X-Total-Count"));
  assert.ok(Number.isInteger(total), `${response.url} sends X-Total-Count`);
  return total;
}

/** How a task list shows a due date. */
function dueLabel(task: Task): string {
  return task.due_at === null ? "no due date" : new Date(task.due_at).toISOString();
}

/** When a task was done, for a "done on ..." line; `null` while it is pending. */
function doneOn(task: Task): string | null {
  return task.completed_at;
}

function client(accessToken?: string) {
  return createClient<paths>({
    baseUrl,
    headers: accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` },
  });
}

const anonymous = client();

// ---- sign up

const credentials: SignIn = {
  email: `ts-${randomUUID()}@example.com`,
  password: "correct horse battery staple",
};
const signup = expect(await anonymous.POST("/api/auth/signup", { body: credentials }), 201);
assert.equal(signup.token_type, "Bearer");
assert.ok(signup.expires_in > 0);
assert.equal(signup.user.email, credentials.email);
assert.equal(signup.user.name, credentials.email.split("@")[0], "the name defaults to the email's local part");
const userId = signup.user.id;

const taken = await anonymous.POST("/api/auth/signup", { body: credentials });
expectStatus(taken, 409);
assert.equal(taken.error?.status, 409);

let api = client(signup.access_token);

const me = expect(await api.GET("/api/auth/me"), 200);
assert.equal(me.id, userId);
const renamed = expect(await api.PATCH("/api/auth/me", { body: { name: "Ada Lovelace" } }), 200);
assert.equal(renamed.name, "Ada Lovelace");

// ---- tasks: create, read, replace, change, complete

const milkCreated = await api.POST("/api/tasks", { body: { title: "Buy milk" } });
const milk = expect(milkCreated, 201);
assert.equal(milk.title, "Buy milk");
assert.equal(milk.description, "");
assert.equal(milk.priority, "medium");
assert.equal(milk.completed, false);
assert.deepEqual(milk.tags, []);
assert.equal(dueLabel(milk), "no due date");
assert.equal(doneOn(milk), null);
assert.equal(milk.user_id, userId);
assert.equal(milkCreated.response.headers.get("Location"), `/api/tasks/${milk.id}`);
let milkEtag = etagOf(milkCreated.response);

const taxes = expect(
  await api.POST("/api/tasks", {
    body: {
      title: "  File taxes ",
      description: "Before the deadline",
      priority: "high",
      due_at: "2026-11-30T18:00:00+01:00",
      tags: [" Paperwork", "home", "HOME"],
    },
  }),
  201,
);
assert.equal(taxes.title, "File taxes");
assert.equal(taxes.priority, "high");
assert.deepEqual(taxes.tags, ["paperwork", "home"]);
assert.equal(dueLabel(taxes), "2026-11-30T17:00:00.000Z");

const fetched = await api.GET("/api/tasks/{id}", { params: { path: { id: milk.id } } });
assert.deepEqual(expect(fetched, 200), milk);
assert.equal(etagOf(fetched.response), milkEtag);

const notModified = await api.GET("/api/tasks/{id}", {
  params: { path: { id: milk.id }, header: { "If-None-Match": milkEtag } },
});
expectStatus(notModified, 304);

const replaced = await api.PUT("/api/tasks/{id}", {
  params: { path: { id: milk.id }, header: { "If-Match": milkEtag } },
  body: { title: "Buy oat milk", description: "Two litres", tags: ["shop"] },
});
const oatMilk = expect(replaced, 200);
assert.equal(oatMilk.title, "Buy oat milk");
assert.equal(oatMilk.priority, "medium");
const staleEtag = milkEtag;
milkEtag = etagOf(replaced.response);
assert.notEqual(milkEtag, staleEtag);

// A second device still holding the old ETag is refused and changes nothing.
const conflict = await api.PATCH("/api/tasks/{id}", {
  params: { path: { id: milk.id }, header: { "If-Match": staleEtag } },
  body: { title: "Buy soy milk" },
});
expectStatus(conflict, 412);
assert.equal(conflict.error?.status, 412);
const unchanged = await api.GET("/api/tasks/{id}", { params: { path: { id: milk.id } } });
assert.equal(expect(unchanged, 200).title, "Buy oat milk");
assert.equal(etagOf(unchanged.response), milkEtag);

const patched = await api.PATCH("/api/tasks/{id}", {
  params: { path: { id: milk.id }, header: { "If-Match": milkEtag } },
  body: { priority: "low", due_at: "2026-12-24T08:00:00Z", description: null },
});
const lowMilk = expect(patched, 200);
assert.equal(lowMilk.priority, "low");
assert.equal(lowMilk.description, "", "null clears the description");
assert.equal(dueLabel(lowMilk), "2026-12-24T08:00:00.000Z");
assert.deepEqual(lowMilk.tags, ["shop"], "PATCH keeps what it does not name");
milkEtag = etagOf(patched.response);

const toggled = expect(
  await api.PATCH("/api/tasks/{id}/complete", { params: { path: { id: milk.id } } }),
  200,
);
assert.equal(toggled.completed, true);
assert.notEqual(doneOn(toggled), null);
const stillDone = expect(
  await api.PATCH("/api/tasks/{id}/complete", {
    params: { path: { id: milk.id } },
    body: { completed: true },
  }),
  200,
);
assert.equal(stillDone.completed, true, "a body sets rather than toggles");
const undone = expect(
  await api.PATCH("/api/tasks/{id}/complete", { params: { path: { id: milk.id } } }),
  200,
);
assert.equal(undone.completed, false);
assert.equal(doneOn(undone), null);
expect(
  await api.PATCH("/api/tasks/{id}", { params: { path: { id: taxes.id } }, body: { completed: true } }),
  200,
);

// ---- what the server refuses, it explains

const tooLong = await api.POST("/api/tasks", { body: { title: "Read this", description: "x".repeat(3000) } });
expectStatus(tooLong, 422);
assert.deepEqual(
  tooLong.error?.errors?.map((error) => error.field),
  ["description"],
);
// A pasted book is refused before it is read.
const tooBig = await api.POST("/api/tasks", { body: { title: "Read this", description: "x".repeat(70_000) } });
expectStatus(tooBig, 413);
assert.equal(tooBig.error?.status, 413);

// ---- the old backend's route shape: /api/{user_id}/tasks

const viaUser = expect(
  await api.POST("/api/{user_id}/tasks", {
    params: { path: { user_id: userId } },
    body: { title: "Water the plants", tags: ["home"] },
  }),
  201,
);
const viaUserFetched = await api.GET("/api/{user_id}/tasks/{id}", {
  params: { path: { user_id: userId, id: viaUser.id } },
});
assert.deepEqual(expect(viaUserFetched, 200), viaUser);
const homeViaUser = await api.GET("/api/{user_id}/tasks", {
  params: { path: { user_id: userId }, query: { tag: "home", sort: "title" } },
});
assert.deepEqual(
  expect(homeViaUser, 200).map((task) => task.title),
  ["File taxes", "Water the plants"],
);
const otherUser = await api.GET("/api/{user_id}/tasks", {
  params: { path: { user_id: randomUUID() } },
});
expectStatus(otherUser, 403);

// ---- filters and sorting

for (const title of ["Call the bank", "Book flights", "Clean the oven", "Pay rent", "Read a book"]) {
  expect(await api.POST("/api/tasks", { body: { title, tags: ["chores"] } }), 201);
}
// Tasks now: Buy oat milk (low, pending, shop), File taxes (high, done, paperwork+home),
// Water the plants (home) and five chores, all medium and pending.

const pending = await api.GET("/api/tasks", { params: { query: { status: "pending" } } });
assert.equal(expect(pending, 200).length, 7);
assert.equal(totalCount(pending.response), 7);
const completed = expect(await api.GET("/api/tasks", { params: { query: { status: "completed" } } }), 200);
assert.deepEqual(
  completed.map((task) => task.title),
  ["File taxes"],
);
const everything = await api.GET("/api/tasks", { params: { query: { status: "all" } } });
assert.equal(totalCount(everything.response), 8);

const high = expect(await api.GET("/api/tasks", { params: { query: { priority: "high" } } }), 200);
assert.deepEqual(
  high.map((task) => task.id),
  [taxes.id],
);
const chores = await api.GET("/api/tasks", { params: { query: { tag: "CHORES" } } });
assert.equal(totalCount(chores.response), 5);
const search = expect(await api.GET("/api/tasks", { params: { query: { q: "BOOK" } } }), 200);
assert.deepEqual(search.map((task) => task.title).sort(), ["Book flights", "Read a book"]);
const dueSoon = expect(
  await api.GET("/api/tasks", { params: { query: { due_before: "2026-12-01T00:00:00Z" } } }),
  200,
);
assert.deepEqual(
  dueSoon.map((task) => task.title),
  ["File taxes"],
);

const byTitle = expect(await api.GET("/api/tasks", { params: { query: { sort: "title" } } }), 200);
const titles = byTitle.map((task) => task.title);
assert.deepEqual(titles, [...titles].sort());
const byPriority = expect(
  await api.GET("/api/tasks", { params: { query: { sort: "-priority", status: "all" } } }),
  200,
);
assert.deepEqual(
  byPriority.map((task) => task.priority),
  ["high", "medium", "medium", "medium", "medium", "medium", "medium", "low"],
);
const byDue = expect(await api.GET("/api/tasks", { params: { query: { sort: "due_at" } } }), 200);
assert.deepEqual(
  byDue.slice(0, 2).map(dueLabel),
  ["2026-11-30T17:00:00.000Z", "2026-12-24T08:00:00.000Z"],
  "due dates first, soonest first",
);

// ---- cursor paging: follow rel="next" until there is none

const seen: string[] = [];
let cursor: string | undefined;
let pages = 0;
do {
  const page = await api.GET("/api/tasks", { params: { query: { limit: 3, sort: "title", cursor } } });
  seen.push(...expect(page, 200).map((task) => task.title));
  assert.equal(totalCount(page.response), 8);
  cursor = nextCursor(page.response);
  pages += 1;
  assert.ok(pages <= 3, "three pages of three at most");
} while (cursor !== undefined);
assert.equal(pages, 3);
assert.deepEqual(seen, titles, "every task once, in order");

// ---- delete, guarded by If-Match

const current = await api.GET("/api/tasks/{id}", { params: { path: { id: viaUser.id } } });
const plantsEtag = etagOf(current.response);
expect(
  await api.PATCH("/api/{user_id}/tasks/{id}", {
    params: { path: { user_id: userId, id: viaUser.id } },
    body: { title: "Water the ferns" },
  }),
  200,
);
const staleDelete = await api.DELETE("/api/tasks/{id}", {
  params: { path: { id: viaUser.id }, header: { "If-Match": plantsEtag } },
});
expectStatus(staleDelete, 412);
expect(await api.GET("/api/tasks/{id}", { params: { path: { id: viaUser.id } } }), 200);
const fresh = await api.GET("/api/tasks/{id}", { params: { path: { id: viaUser.id } } });
expectStatus(
  await api.DELETE("/api/tasks/{id}", {
    params: { path: { id: viaUser.id }, header: { "If-Match": etagOf(fresh.response) } },
  }),
  204,
);
const gone = await api.GET("/api/tasks/{id}", { params: { path: { id: viaUser.id } } });
expectStatus(gone, 404);
assert.equal(gone.error?.status, 404);
assert.ok(gone.error?.detail);

// ---- refresh: a new pair; the old refresh token is spent

const refreshed = expect(
  await anonymous.POST("/api/auth/refresh", { body: { refresh_token: signup.refresh_token } }),
  200,
);
assert.notEqual(refreshed.refresh_token, signup.refresh_token);
assert.equal(refreshed.user.id, userId);
api = client(refreshed.access_token);
expect(await api.GET("/api/auth/me"), 200);

const replay = await anonymous.POST("/api/auth/refresh", { body: { refresh_token: signup.refresh_token } });
expectStatus(replay, 401);
assert.equal(replay.error?.status, 401);
// Presenting a spent refresh token ends the whole session it belonged to.
expectStatus(await api.GET("/api/auth/me"), 401);

// ---- sign in again, then sign out

const session = tokensOf(expect(await anonymous.POST("/api/auth/signin", { body: credentials }), 200));
api = client(session.access_token);
expect(await api.GET("/api/tasks"), 200);
expectStatus(await api.POST("/api/auth/signout"), 204);
const signedOut = await api.GET("/api/tasks");
expectStatus(signedOut, 401);
assert.match(signedOut.response.headers.get("WWW-Authenticate") ?? "", /^Bearer/);
expectStatus(
  await anonymous.POST("/api/auth/refresh", { body: { refresh_token: session.refresh_token } }),
  401,
);

// ---- change the password, then delete the account

const last = tokensOf(expect(await anonymous.POST("/api/auth/signin", { body: credentials }), 200));
api = client(last.access_token);
const newPassword = "a different long passphrase";
expectStatus(
  await api.POST("/api/auth/password", {
    body: { current_password: credentials.password, new_password: newPassword },
  }),
  204,
);
expectStatus(await anonymous.POST("/api/auth/signin", { body: credentials }), 401);
expectStatus(await api.DELETE("/api/auth/me", { body: { password: newPassword } }), 204);
expectStatus(
  await anonymous.POST("/api/auth/signin", { body: { email: credentials.email, password: newPassword } }),
  401,
);

console.log("TypeScript client: the whole flow passed");
