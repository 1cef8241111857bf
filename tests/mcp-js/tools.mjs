// Taskward's MCP server driven by the official TypeScript SDK client (issue 19).
//
//   node tools.mjs URL TOKEN           every tool, as a `tasks:write` token
//   node tools.mjs URL TOKEN readonly  a read and a refused write, as a `tasks:read` token
//
// Lists the tools and calls each one: list_lists, add_task by fields (into the list named
// "Errands" when there is one) and by quick-add text, get_task, update_task,
// complete_task, a task added and deleted, then the refusals (the deleted task, an empty
// title, an unknown status) and list_tasks with filters and in pages of one. Prints one
// JSON object: {server, protocol, tools, calls: {label: {error, structured, text}}}, which
// tests/api/mcp_ts.rs compares with the API's own answers.

import { call, connect, run, tools } from "./lib.mjs";

run(async ([url, token, mode = "all"]) => {
  if (!url || !token) throw new Error("usage: node tools.mjs URL TOKEN [readonly]");
  const client = await connect(url, { token });
  const out = {
    server: client.getServerVersion()?.name,
    protocol: client.transport?.protocolVersion,
    tools: await tools(client),
    calls: {},
  };
  const c = async (label, name, args) => (out.calls[label] = await call(client, name, args));
  try {
    if (mode === "readonly") {
      await c("list", "list_tasks", {});
      await c("add", "add_task", { title: "Not allowed" });
      return out;
    }
    const lists = await c("lists", "list_lists", {});
    const errands = lists.structured?.lists.find((l) => l.name === "Errands");
    const added = await c("add", "add_task", {
      title: "Water the plants",
      description: "The ones on the balcony",
      priority: "high",
      due_date: "2027-01-04",
      tags: ["home", "garden"],
      ...(errands ? { list_id: errands.id } : {}),
    });
    await c("quick", "add_task", { text: "Pay rent every month on the 1st #home !high" });
    const id = added.structured?.task.id ?? "none";
    await c("get", "get_task", { id });
    await c("update", "update_task", {
      id,
      title: "Water the plants twice",
      due_at: "2027-01-05T09:30:00Z",
    });
    await c("complete", "complete_task", { id });
    const gone = await c("doomed", "add_task", { title: "Throw away", tags: ["home"] });
    const goneId = gone.structured?.task.id ?? "none";
    await c("delete", "delete_task", { id: goneId });
    await c("missing", "get_task", { id: goneId });
    await c("invalid", "add_task", { title: "" });
    await c("bad_filter", "list_tasks", { status: "sleeping" });
    // The reads last, so that they see what the API sees afterwards.
    await c("pending", "list_tasks", { status: "pending", tag: "home", sort: "title" });
    await c("completed", "list_tasks", { status: "completed" });
    const first = await c("page1", "list_tasks", { sort: "title", limit: 1 });
    await c("page2", "list_tasks", {
      sort: "title",
      limit: 1,
      cursor: first.structured?.next_cursor ?? "",
    });
    return out;
  } finally {
    await client.close();
  }
});
