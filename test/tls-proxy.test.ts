import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import { acceptsVersion } from "../src/security/transport.ts";
import { freePort } from "../src/stack/ports.ts";
import { ensureTls, type TlsFiles } from "../src/stack/tls.ts";

/** The reference instance's TLS proxy (src/stack/tls-proxy.ts) against a local node:http upstream. */

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let dir: string;
let tls: TlsFiles;
let upstream: http.Server;
let upstreamPort: number;
const seen: Seen[] = [];

function startProxy(listen: number, upstreamUrl: string): ChildProcess {
  return spawn(process.execPath, [join(projectRoot(), "src", "stack", "tls-proxy.ts"), "--listen", String(listen), "--upstream", upstreamUrl,
    "--cert", tls.cert, "--key", tls.key], { stdio: ["ignore", "ignore", "inherit"] });
}

function request(port: number, opts: https.RequestOptions, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "localhost", port, ca: readFileSync(tls.caCert), ...opts }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.once("error", reject);
    req.end(body);
  });
}

async function ready(port: number): Promise<void> {
  await waitFor("the TLS proxy to listen", async () => (await acceptsVersion(`https://localhost:${port}`, "TLSv1.3")).accepted || undefined, { timeoutMs: 20_000, intervalMs: 100 });
}

async function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = await once(child, "exit") as [number | null];
  return code;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mxa-tls-proxy-"));
  tls = ensureTls(dir);
  upstream = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(201, { "Content-Type": "text/plain", "X-Upstream": "yes" });
      res.end(`got ${body.length} bytes`);
    });
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  upstreamPort = (upstream.address() as { port: number }).port;
});

afterAll(() => {
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tls-proxy", () => {
  it("forwards a request with its body and Authorization intact, adds X-Forwarded-*, refuses TLS 1.1, exits on SIGTERM", async () => {
    const port = await freePort();
    const proxy = startProxy(port, `http://127.0.0.1:${upstreamPort}`);
    try {
      await ready(port);
      const body = JSON.stringify({ file: "x".repeat(200_000) });
      const res = await request(port, {
        method: "POST", path: "/_matrix/media_proxy/unstable/scan_encrypted?a=1",
        headers: { Authorization: "Bearer secret-token", "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      }, body);
      expect(res.status).toBe(201);
      expect(res.headers["x-upstream"]).toBe("yes");
      expect(res.body).toBe(`got ${body.length} bytes`);
      const got = seen.at(-1)!;
      expect(got.method).toBe("POST");
      expect(got.url).toBe("/_matrix/media_proxy/unstable/scan_encrypted?a=1");
      expect(got.body).toBe(body);
      expect(got.headers.authorization).toBe("Bearer secret-token");
      expect(got.headers["content-type"]).toBe("application/json");
      expect(got.headers["x-forwarded-proto"]).toBe("https");
      expect(got.headers["x-forwarded-for"]).toBe("127.0.0.1");

      expect((await acceptsVersion(`https://localhost:${port}`, "TLSv1.1")).accepted).toBe(false);
      expect((await acceptsVersion(`https://localhost:${port}`, "TLSv1")).accepted).toBe(false);
      expect((await acceptsVersion(`https://localhost:${port}`, "TLSv1.2")).accepted).toBe(true);
    } finally {
      expect(await stopped(proxy)).toBe(0);
    }
  });

  it("answers 502 with a JSON body when the upstream is unreachable", async () => {
    const port = await freePort();
    const dead = await freePort();
    const proxy = startProxy(port, `http://127.0.0.1:${dead}`);
    try {
      await ready(port);
      const res = await request(port, { method: "GET", path: "/_matrix/media_proxy/unstable/public_key" });
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(res.body)).toMatchObject({ errcode: "M_UNKNOWN", error: expect.stringContaining("ECONNREFUSED") });
    } finally {
      expect(await stopped(proxy)).toBe(0);
    }
  });
});
