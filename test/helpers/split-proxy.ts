import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";

/** Forwards one request to `upstream` (https, trusting `ca`) and its answer back; 502 when the upstream fails. */
export function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: string, opts: { ca?: Buffer; agent?: https.Agent }): void {
  const fwd = https.request(new URL(req.url ?? "/", upstream), { method: req.method, headers: { ...req.headers, host: new URL(upstream).host }, ...opts }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  fwd.on("error", () => res.writeHead(502).end());
  req.pipe(fwd);
}

/**
 * A public entry in front of a homeserver, as a production ingress is: forwards the client API to `upstream` and
 * answers 404 to /_synapse/admin (served only on the admin host). `refuse` adds paths that answer 500 (a part
 * of the deployment that breaks mid-way). Plain http on 127.0.0.1.
 */
export async function startSplitProxy(upstream: string, caFile: string, refuse: RegExp[] = []): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const agent = new https.Agent({ ca: readFileSync(caFile), keepAlive: true });
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    seen.push(`${req.method} ${path.split("?")[0]}`);
    if (path.startsWith("/_synapse/admin")) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }));
      return;
    }
    if (refuse.some((r) => r.test(path))) {
      res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ errcode: "M_UNKNOWN", error: "broken on purpose" }));
      return;
    }
    forward(req, res, upstream, { agent });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
      agent.destroy();
    }),
  };
}
