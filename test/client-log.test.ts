import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { requestJson } from "../src/matrix/http.ts";
import { freePort } from "../src/stack/ports.ts";
import { clearClientLog, clientLogText, logSdk, nameToken } from "../src/matrix/client-log.ts";

/**
 * The client log a failed check attaches: every request through the harness's one request path, named by the
 * user whose token it carried, with the server's status and errcode; no token, anywhere.
 */
describe("client log", () => {
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url?.startsWith("/_matrix/client/v3/rooms/")) {
        res.statusCode = 403;
        res.end(JSON.stringify({ errcode: "M_FORBIDDEN", error: "You are not invited to this room." }));
      } else res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("names each request's user, status and errcode, and holds no token", async () => {
    clearClientLog();
    const token = "syt_c2VjcmV0_token_value_1234";
    nameToken(token, "@alice:example.org");
    await requestJson(base, "GET", "_matrix/client/v3/account/whoami", { token, query: { access_token: token } });
    await requestJson(base, "POST", "_matrix/client/v3/rooms/!r:example.org/join", { token, body: {}, accept: [403] });
    await requestJson(base, "GET", "_matrix/client/versions");
    logSdk("@alice:example.org", "warn", [`Error sending request: Bearer ${token} failed`]);
    logSdk("@alice:example.org", "error", [{ access_token: token, device_id: "D1" }]);
    // The errcode is read from the answer's body after the response is handed on: wait for the line to complete.
    await expect.poll(() => clientLogText()).toMatch(/M_FORBIDDEN/);
    const text = clientLogText();
    const lines = text.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/ http @alice:example\.org GET http:\/\/127\.0\.0\.1:\d+\/_matrix\/client\/v3\/account\/whoami\?access_token=<redacted> → 200 \d+ ms$/);
    expect(lines[1]).toMatch(/ http @alice:example\.org POST .*\/rooms\/!r:example\.org\/join → 403 M_FORBIDDEN \d+ ms$/);
    expect(lines[2]).toMatch(/ http - GET .*\/_matrix\/client\/versions → 200/);
    expect(lines[3]).toMatch(/ sdk @alice:example\.org warn: Error sending request: Bearer <redacted> failed$/);
    expect(lines[4]).toMatch(/ sdk @alice:example\.org error: \{"access_token":"<redacted>","device_id":"D1"\}$/);
    expect(text).not.toContain(token);
  });

  it("names a request that got no answer", async () => {
    clearClientLog();
    const closed = await freePort();
    await expect(requestJson(`http://127.0.0.1:${closed}`, "GET", "_matrix/client/versions", { timeoutMs: 2000 })).rejects.toThrow(/failed/);
    expect(clientLogText()).toMatch(new RegExp(`GET http://127\\.0\\.0\\.1:${closed}/_matrix/client/versions → no answer \\(ECONNREFUSED\\)`));
  });
});
