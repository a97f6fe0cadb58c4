import https from "node:https";
import http from "node:http";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/**
 * A TLS-terminating reverse proxy for parts of the reference instance that serve plain http (the content
 * scanner), standing in for the TLS ingress they sit behind in production. Standalone script:
 *
 *   node src/stack/tls-proxy.ts --listen <port> --upstream http://127.0.0.1:<port> --cert <pem> --key <pem> [--tag <id>]
 *
 * Listens on 127.0.0.1 with TLS 1.2 or newer, forwards every request to the upstream over http with its body
 * streamed and all headers kept (Authorization included), adds X-Forwarded-Proto / X-Forwarded-For, answers 502
 * with a JSON body when the upstream cannot be reached, and exits on SIGTERM / SIGINT.
 */

const { values } = parseArgs({
  options: {
    listen: { type: "string" },
    upstream: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    // Not used: one argument unique to this process (under the stack's state folder), which `stack down` looks
    // for in /proc/<pid>/cmdline to tell it from a recycled pid.
    tag: { type: "string" },
  },
});
if (!values.listen || !values.upstream || !values.cert || !values.key) {
  console.error("usage: tls-proxy.ts --listen <port> --upstream http://127.0.0.1:<port> --cert <pem> --key <pem>");
  process.exit(2);
}
const upstream = new URL(values.upstream);
if (upstream.protocol !== "http:") {
  console.error(`tls-proxy: --upstream must be an http:// URL, got ${values.upstream}`);
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true });

const server = https.createServer({
  cert: readFileSync(values.cert),
  key: readFileSync(values.key),
  minVersion: "TLSv1.2",
}, (req, res) => {
  const headers = { ...req.headers };
  const peer = req.socket.remoteAddress ?? "";
  const prior = headers["x-forwarded-for"];
  headers["x-forwarded-for"] = prior ? `${String(prior)}, ${peer}` : peer;
  headers["x-forwarded-proto"] = "https";
  const up = http.request({
    agent,
    host: upstream.hostname,
    port: upstream.port || 80,
    method: req.method,
    path: req.url,
    headers,
  }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
    upRes.pipe(res);
    upRes.once("error", () => res.destroy());
  });
  up.once("error", (e: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ errcode: "M_UNKNOWN", error: `upstream ${upstream.origin} unreachable: ${e.code ?? e.message}` });
    res.writeHead(502, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
  req.pipe(up);
  req.once("error", () => up.destroy());
  res.once("close", () => {
    if (!res.writableFinished) up.destroy();
  });
});

server.on("clientError", (_e, socket) => socket.destroy());
server.listen(Number(values.listen), "127.0.0.1", () => {
  console.log(`tls-proxy: https://127.0.0.1:${values.listen} → ${upstream.origin}`);
});
server.once("error", (e) => {
  console.error(`tls-proxy: ${e.message}`);
  process.exit(1);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
