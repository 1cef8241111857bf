// What every script of this package shares: a connected client of the official MCP
// TypeScript SDK (`@modelcontextprotocol/sdk`) over Streamable HTTP, a tool call recorded as
// plain JSON, and a main that prints one JSON object or fails with the error.
//
// `connect` takes either a bearer token (a personal access token) or an `authProvider`
// (the SDK's `OAuthClientProvider`, for a script that runs the OAuth flow): the transport
// then asks the provider for tokens and runs `auth()` on a 401.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** A client connected to the MCP server at `url` (initialized; the server's info read). */
export async function connect(url, { token, authProvider } = {}) {
  const options = {};
  if (token) options.requestInit = { headers: { Authorization: `Bearer ${token}` } };
  if (authProvider) options.authProvider = authProvider;
  const transport = new StreamableHTTPClientTransport(new URL(url), options);
  const client = new Client({ name: "taskward-tests", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** The tools as the client sees them: name, input properties, whether an output schema. */
export async function tools(client) {
  const { tools: list } = await client.listTools();
  return Object.fromEntries(
    list.map((t) => [
      t.name,
      {
        input: Object.keys(t.inputSchema?.properties ?? {}).sort(),
        output: t.outputSchema !== undefined,
      },
    ]),
  );
}

/**
 * Calls `name` with `args` and answers `{error, structured, text}`: the tool error flag,
 * the structured content (checked by the SDK against the tool's output schema once
 * `tools()` has listed it) and the text content. A protocol error is thrown, not recorded:
 * a refused call must be a tool error.
 */
export async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  const text = (r.content ?? [])
    .filter((c) => c.type === "text")
    .map((c) => c.text)
    .join(" ");
  return { error: r.isError === true, structured: r.structuredContent ?? null, text };
}

/** Runs `main(argv)`, prints its answer as JSON, and stops a hung run after two minutes. */
export function run(main) {
  const watchdog = setTimeout(() => {
    console.error("stopped after 120 s");
    process.exit(3);
  }, 120_000);
  main(process.argv.slice(2))
    .then((out) => {
      clearTimeout(watchdog);
      process.stdout.write(JSON.stringify(out) + "\n");
    })
    .catch((e) => {
      clearTimeout(watchdog);
      console.error(e?.stack ?? String(e));
      process.exit(1);
    });
}
