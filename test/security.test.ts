import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tls from "node:tls";
import http from "node:http";
import https from "node:https";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net, { type AddressInfo } from "node:net";
import { ensureTls } from "../src/stack/tls.ts";
import { freePort } from "../src/stack/ports.ts";
import { projectRoot } from "../src/config/paths.ts";
import { acceptsVersion, tlsVersions, verifyChain, plainHttp, plainOutcome, hsts } from "../src/security/transport.ts";
import { wrongPasswordsUntilThrottled, perAccount } from "../src/security/bruteforce.ts";
import { HARNESS_ADMIN_ENDPOINTS, UNAUTHENTICATED_BY_DESIGN, adminPathsInSources } from "../src/security/admin-endpoints.ts";

/**
 * The transport probes in the other direction, against small local servers that break one thing each (Synapse
 * cannot be made to offer TLS 1.0 or serve plain HTTP on its TLS port): an endpoint that accepts TLS 1.0/1.1,
 * an untrusted chain, a certificate for another host, plain HTTP that is served, and HSTS. Plus: every admin
 * path the harness uses is covered by SEC-admin-surface's list.
 */
const dir = mkdtempSync(join(tmpdir(), "mxa-sec-"));
const files = ensureTls(join(dir, "tls"));
const key = readFileSync(files.key);
const cert = readFileSync(files.cert);
const ca = readFileSync(files.caCert, "utf8");

function listen(server: tls.Server | http.Server | net.Server, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

describe("transport probes", () => {
  // An old-fashioned endpoint: TLS 1.0 up to 1.3, legacy ciphers, HSTS for a day.
  const legacy = https.createServer({ key, cert, minVersion: "TLSv1", ciphers: "DEFAULT:@SECLEVEL=0" }, (_req, res) => {
    res.writeHead(200, { "Strict-Transport-Security": "max-age=86400" }).end("{}");
  });
  const modern = https.createServer({ key, cert, minVersion: "TLSv1.2" }, (_req, res) => res.writeHead(200).end("{}"));
  const plainServed = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"versions":["v1.11"]}'));
  const plainRedirect = http.createServer((req, res) => res.writeHead(301, { Location: `https://localhost${req.url}` }).end());
  let legacyUrl = "", modernUrl = "", servedUrl = "", redirectUrl = "";

  beforeAll(async () => {
    tls.setDefaultCACertificates([...tls.getCACertificates("default"), ca]);
    legacyUrl = `https://localhost:${await listen(legacy)}`;
    modernUrl = `https://localhost:${await listen(modern)}`;
    servedUrl = `https://localhost:${await listen(plainServed)}`;
    redirectUrl = `https://localhost:${await listen(plainRedirect)}`;
  });
  afterAll(() => {
    for (const s of [legacy, modern, plainServed, plainRedirect]) s.close();
  });

  it("sees TLS 1.0 and 1.1 accepted by an endpoint that offers them, and refused by one that does not", async () => {
    expect((await tlsVersions(legacyUrl)).accepted).toEqual(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    const m = await tlsVersions(modernUrl);
    expect(m.accepted).toEqual(["TLSv1.2", "TLSv1.3"]);
    expect(Object.keys(m.refused)).toEqual(["TLSv1", "TLSv1.1"]);
  });

  it("reports a closed port as not accepting any version", async () => {
    expect((await acceptsVersion(`https://127.0.0.1:${await freePort()}`, "TLSv1.3")).accepted).toBe(false);
  });

  it("verifies a chain against the trust store in force and the host name, and fails either when broken", async () => {
    expect(await verifyChain(modernUrl)).toMatchObject({ verified: true, namesHost: true, subject: "localhost" });
    // The certificate names localhost and 127.0.0.1, not 127.0.0.2.
    const other = https.createServer({ key, cert }, (_q, r) => r.end());
    const port = await listen(other, "127.0.0.2");
    try {
      expect(await verifyChain(`https://127.0.0.2:${port}`)).toMatchObject({ verified: true, namesHost: false });
    } finally {
      other.close();
    }
    // A CA nobody trusts.
    const stranger = ensureTls(join(dir, "stranger"));
    const untrusted = https.createServer({ key: readFileSync(stranger.key), cert: readFileSync(stranger.cert) }, (_q, r) => r.end());
    const p2 = await listen(untrusted);
    try {
      const r = await verifyChain(`https://localhost:${p2}`);
      expect(r.verified).toBe(false);
      expect(r.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed|unable to get local issuer/i);
    } finally {
      untrusted.close();
    }
  });

  it("tells plain HTTP served, redirected to https, and refused apart", async () => {
    expect(await plainHttp(servedUrl)).toMatchObject({ outcome: "served", status: 200 });
    expect(await plainHttp(redirectUrl)).toMatchObject({ outcome: "redirect", status: 301 });
    expect((await plainHttp(modernUrl)).outcome, "a TLS port answering plain HTTP with a TLS alert is a refusal").toBe("refused");
    expect((await plainHttp(`https://127.0.0.1:${await freePort()}`)).outcome).toBe("refused");
  });

  /**
   * One port that speaks TLS and plain HTTP, as nginx's `listen 443 ssl` does: a connection whose first byte is a
   * TLS handshake record (0x16) goes to the TLS server, anything else to the plain handler.
   */
  function dualPort(plain: http.RequestListener): net.Server {
    const tlsSide = https.createServer({ key, cert, minVersion: "TLSv1.2" }, (_req, res) => res.writeHead(200).end("{}"));
    const plainSide = http.createServer(plain);
    return net.createServer((socket) => {
      socket.once("readable", () => {
        const first = socket.read(1) as Buffer | null;
        if (!first) return socket.destroy();
        socket.unshift(first);
        (first[0] === 0x16 ? tlsSide : plainSide).emit("connection", socket);
      });
    });
  }

  it("a TLS port answering a plaintext request with HTTP 400 refuses it; one serving content over plain HTTP serves it", async () => {
    const refusing = dualPort((_req, res) => res.writeHead(400, { "Content-Type": "text/html" }).end("<h1>400 The plain HTTP request was sent to HTTPS port</h1>"));
    const serving = dualPort((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"versions":["v1.11"]}'));
    const toHttp = dualPort((req, res) => res.writeHead(302, { Location: `http://localhost${req.url}` }).end());
    try {
      const [r, s, h] = [`https://localhost:${await listen(refusing)}`, `https://localhost:${await listen(serving)}`, `https://localhost:${await listen(toHttp)}`];
      for (const url of [r, s, h]) expect((await acceptsVersion(url, "TLSv1.3")).accepted, `${url} speaks TLS`).toBe(true);
      expect(await plainHttp(r), "HTTP 400 to plaintext on the TLS port is a refusal").toMatchObject({ outcome: "refused", status: 400 });
      expect(await plainHttp(s), "content over plain HTTP on the TLS port is served").toMatchObject({ outcome: "served", status: 200 });
      expect(await plainHttp(h), "a redirect to plain http serves plain HTTP").toMatchObject({ outcome: "served", status: 302 });
    } finally {
      for (const srv of [refusing, serving, toHttp]) srv.close();
    }
  });

  it("counts error statuses as refusals, content and redirects to anything but https as served", () => {
    expect(plainOutcome(400, undefined)).toBe("refused");
    expect(plainOutcome(403, undefined)).toBe("refused");
    expect(plainOutcome(497, undefined)).toBe("refused");
    expect(plainOutcome(503, undefined)).toBe("refused");
    expect(plainOutcome(200, undefined)).toBe("served");
    expect(plainOutcome(204, undefined)).toBe("served");
    expect(plainOutcome(301, "https://example.org/")).toBe("redirect");
    expect(plainOutcome(308, "HTTPS://example.org/")).toBe("redirect");
    expect(plainOutcome(301, "http://example.org/")).toBe("served");
    expect(plainOutcome(302, "/relative")).toBe("served");
    expect(plainOutcome(302, undefined)).toBe("served");
  });

  it("reads the HSTS max-age, and its absence", async () => {
    expect(await hsts(legacyUrl)).toMatchObject({ maxAge: 86400 });
    expect((await hsts(modernUrl)).header).toBeUndefined();
  });
});

/**
 * SEC-bruteforce's decision between a throttle of the account and a general limiter of the address, against a
 * small login endpoint whose limits are chosen per case (the reference Synapse in both shapes is in
 * test/security.e2e.test.ts): limits by source address, by the account's failed logins, or both.
 */
describe("SEC-bruteforce tells a throttle of the account from a general limiter", () => {
  const passwords: Record<string, string> = { victim: "right-victim", bystander: "right-bystander" };
  function loginServer(limits: { address?: number; failed?: number; failedPerAddress?: number; retryAfterMs?: number; oneAddress?: boolean }): http.Server {
    const byAddress = new Map<string, number>();
    const failed = new Map<string, number>();
    return http.createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const reply = (status: number, body: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        if (req.url?.endsWith("/logout")) return reply(200, {});
        const body = JSON.parse(text) as { identifier: { user: string }; password: string };
        const user = body.identifier.user;
        // oneAddress: a proxy in front that hides the client's address (the server sees every login from one).
        const addr = limits.oneAddress ? "proxy" : req.socket.remoteAddress ?? "";
        const limited = { errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: limits.retryAfterMs ?? 5000 };
        byAddress.set(addr, (byAddress.get(addr) ?? 0) + 1);
        if (limits.address !== undefined && byAddress.get(addr)! > limits.address) return reply(429, limited);
        if (limits.failed !== undefined && (failed.get(user) ?? 0) >= limits.failed) return reply(429, limited);
        if (limits.failedPerAddress !== undefined && (failed.get(`${user} ${addr}`) ?? 0) >= limits.failedPerAddress) return reply(429, limited);
        if (passwords[user] === body.password) return reply(200, { access_token: `t-${user}`, user_id: `@${user}:x` });
        failed.set(user, (failed.get(user) ?? 0) + 1);
        failed.set(`${user} ${addr}`, (failed.get(`${user} ${addr}`) ?? 0) + 1);
        return reply(403, { errcode: "M_FORBIDDEN", error: "Invalid username or password" });
      });
    });
  }
  const victim = { localpart: "victim", password: passwords.victim! };
  const bystander = { localpart: "bystander", password: passwords.bystander! };
  async function decide(limits: Parameters<typeof loginServer>[0]) {
    const server = loginServer(limits);
    try {
      const base = `http://127.0.0.1:${await listen(server)}`;
      const result = await wrongPasswordsUntilThrottled(base, "victim", 10);
      expect(result.throttledAt, "throttled within 10").toBe(4);
      return await perAccount(base, result, victim, bystander);
    } finally {
      server.close();
    }
  }

  it("a limit on the account's failed logins: the account stays throttled from a second address, where another account logs in", async () => {
    const v = await decide({ failed: 3 });
    expect(v.verdict, v.reason).toBe("per-account");
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 429], ["other account, other address", 200]]);
  });

  it("both limits on the same count: the account stays throttled from a second address, where another account logs in", async () => {
    const v = await decide({ address: 3, failed: 3 });
    expect(v.verdict, v.reason).toBe("per-account");
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 429], ["other account, other address", 200]]);
  });

  it("a proxy that hides the client's address, with a limit on the address only: the account looks throttled from a second address, but so is everyone there, which fails the check", async () => {
    const v = await decide({ address: 3, oneAddress: true });
    expect(v.verdict, v.reason).toBe("general");
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 429], ["other account, other address", 429], ["other account, same address", 429]]);
  });

  it("a proxy that hides the client's address, with a limit on the account's failed logins: proven from the first address", async () => {
    const v = await decide({ failed: 3, oneAddress: true });
    expect(v.verdict, v.reason).toBe("per-account");
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 429], ["other account, other address", 200]]);
  });

  it("a limit on the account's failed logins from one address: another account still logs in from that address", async () => {
    const v = await decide({ failedPerAddress: 3 });
    expect(v.verdict, v.reason).toBe("per-account");
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 200], ["other account, same address", 200]]);
    expect(v.probes[0]!.sourceAddress).not.toBe(v.probes[1]!.sourceAddress);
  });

  it("a general limit on the address only: the attacked account logs in from a second address and the address is throttled for everyone, which fails the check", async () => {
    const v = await decide({ address: 3 });
    expect(v.verdict).toBe("general");
    expect(v.reason).toMatch(/general limiter that does not count failed logins/);
    expect(v.probes.map((p) => [p.who, p.status])).toEqual([["attacked account, other address", 200], ["other account, same address", 429]]);
  });

  it("a probe later than the 429's retry_after_ms cannot decide", async () => {
    const v = await decide({ address: 3, retryAfterMs: 0 });
    expect(v.verdict, v.reason).toBe("undecided");
  });
});

describe("SEC-admin-surface covers the harness's admin endpoints", () => {
  it("every /_synapse/admin path used in src/, fixtures/ and scenarios/ is probed with a user token (or answers without admin rights by design)", () => {
    const used = adminPathsInSources(["src", "fixtures", "scenarios"].map((d) => join(projectRoot(), d)));
    expect(used.size).toBeGreaterThan(10);
    const covered = new Set([...HARNESS_ADMIN_ENDPOINTS.map((e) => e.template), ...UNAUTHENTICATED_BY_DESIGN]);
    const missing = [...used].filter(([t]) => !covered.has(t)).map(([t, file]) => `${t} (${file})`);
    expect(missing, "add these to HARNESS_ADMIN_ENDPOINTS in src/security/admin-endpoints.ts").toEqual([]);
  });
});
