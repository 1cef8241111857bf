// A real OpenID provider for the single sign-on tests: node `oidc-provider` (OpenID
// Certified) on a port the OS picks, with one client, Taskward:
//
//   node provider.mjs <client secret>
//
// prints one JSON line {"issuer": "http://127.0.0.1:PORT"} when ready and serves until
// killed. Its own development pages sign anyone in: the login name is the account, its
// email is the login name (or `<login>@example.com`), verified unless the login starts
// with `unverified`. The redirect URI is Taskward's callback on 127.0.0.1 at any port (a
// native client's loopback URI, RFC 8252 7.3), since the test's server port is known only
// later.

import http from "node:http";

import Provider from "oidc-provider";

// stdout carries the one ready line; the provider's own notices go to stderr.
console.log = console.info = console.warn = console.error;

const secret = process.argv[2];
if (!secret) {
  console.error("usage: node provider.mjs <client secret>");
  process.exit(2);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "taskward",
      client_secret: secret,
      application_type: "native",
      redirect_uris: ["http://127.0.0.1/auth/oidc/callback"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  // Email and name in the ID token itself, as most providers send them.
  conformIdTokenClaims: false,
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  cookies: { keys: [`cookie-key-${secret}`] },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id.includes("@") ? id : `${id}@example.com`,
          email_verified: !id.startsWith("unverified"),
          name: `Test ${id.split("@")[0]}`,
        };
      },
    };
  },
});
// Its warnings about development keys and pages are expected here.
provider.on("server_error", (_ctx, err) => console.error("provider error:", err));
server.on("request", provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + "\n");
