// The whole OAuth flow of the official MCP TypeScript SDK's client against Taskward, as an
// MCP client runs it: `/mcp` answers 401, the SDK discovers the resource and authorization
// server metadata, registers itself, and sends "the user" to the consent page with PKCE;
// the test answers the page as the signed-in user (their session cookie), the SDK
// exchanges the code, calls tools with its access token, refreshes (rotating), and the
// spent refresh token, presented again, ends the grant.
//
//   node oauth.mjs <mcp url> <cookie header of a signed-in web session> <origin>
//
// Prints one JSON object with what each step saw; tests/api/mcp_ts_oauth.rs checks it.

import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { call, run, tools } from "./lib.mjs";

/** An MCP client's OAuth storage, in memory: what a desktop assistant keeps on disk. */
class Provider {
  constructor(redirect) {
    this.redirect = redirect;
    this.saved = {};
    this.sentTo = null;
    this.sentState = `state-${crypto.randomUUID()}`;
  }
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return {
      client_name: "TypeScript SDK test client",
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return this.sentState;
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(info) {
    this.saved.client = info;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.sentTo = url;
  }
  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
}

/** An HTML attribute's text. */
function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e) => {
    const named = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e.toLowerCase()];
    if (named) return named;
    return String.fromCodePoint(e[1].toLowerCase() === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The signed-in user answers the consent page at `url` with "Allow"; the callback URL. */
async function consent(url, cookie, origin) {
  const page = await fetch(url, { headers: { cookie, accept: "text/html" }, redirect: "manual" });
  if (page.status !== 200) throw new Error(`the consent page answered ${page.status}`);
  const html = await page.text();
  const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    ([, name, value]) => [name, unescapeHtml(value)],
  );
  fields.push(["decision", "allow"]);
  const answer = await fetch(new URL("/oauth/authorize", url), {
    method: "POST",
    headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  if (answer.status !== 303) throw new Error(`the consent answered ${answer.status}`);
  return {
    callback: new URL(answer.headers.get("location")),
    named: html.includes("TypeScript SDK test client"),
  };
}

/** A client of the SDK connected with `provider`, or the error its connection threw. */
async function connectWith(url, provider) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "taskward-oauth-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (error) {
    return { error, transport };
  }
}

/** A bare MCP request with `token`: its HTTP status. */
async function statusWith(url, token) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  return res.status;
}

run(async ([url, cookie, origin]) => {
  const out = {};
  const provider = new Provider("http://127.0.0.1:8976/callback");

  // 1. No token: the SDK discovers, registers, and sends the user to the consent page.
  const first = await connectWith(url, provider);
  out.first_connect_unauthorized = first.error instanceof UnauthorizedError;
  out.registered = typeof provider.saved.client?.client_id === "string";
  const sent = provider.sentTo;
  out.authorize = {
    path: sent?.pathname,
    method: sent?.searchParams.get("code_challenge_method"),
    resource: sent?.searchParams.get("resource"),
    scope: sent?.searchParams.get("scope"),
  };

  // 2. The user allows; the code comes back with the state the client sent.
  const { callback, named } = await consent(sent, cookie, origin);
  out.consent_named_the_client = named;
  out.state_matches = callback.searchParams.get("state") === provider.sentState;
  out.iss = callback.searchParams.get("iss");
  await first.transport.finishAuth(callback.searchParams.get("code"));
  const issued = provider.saved.tokens;
  out.token_type = issued?.token_type;
  out.scope = issued?.scope;

  // 3. With the token: every tool is listed; one is called to add, one to list.
  const second = await connectWith(url, provider);
  if (second.error) throw second.error;
  out.tools = Object.keys(await tools(second.client)).sort();
  out.added = await call(second.client, "add_task", { text: "Water the plants tomorrow #home" });
  out.listed = await call(second.client, "list_tasks", {});
  await second.client.close();

  // 4. Refresh: the SDK trades its refresh token for a new pair.
  const spent = issued.refresh_token;
  out.refresh_result = await auth(provider, { serverUrl: url });
  out.rotated = provider.saved.tokens.refresh_token !== spent;
  const fresh = provider.saved.tokens.access_token;
  out.fresh_status = await statusWith(url, fresh);

  // 5. The spent refresh token again (a stolen copy): refused, and the grant ends.
  const reuse = await fetch(new URL("/oauth/token", url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: spent,
      client_id: provider.saved.client.client_id,
    }),
  });
  out.reuse = { status: reuse.status, error: (await reuse.json()).error };
  out.after_reuse_status = await statusWith(url, fresh);
  return out;
});
