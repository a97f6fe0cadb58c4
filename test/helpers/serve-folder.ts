import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import { extname, join, normalize, resolve } from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".wasm": "application/wasm", ".webp": "image/webp", ".jpg": "image/jpeg", ".mp3": "audio/mpeg", ".ogg": "audio/ogg" };

/**
 * Serves a web app's build folder on 127.0.0.1 as a static host does (unknown paths answer index.html). `answer`
 * may answer a path itself (e.g. a config.json the test writes), returning the JSON to send, or undefined.
 */
export function serveFolder(root: string, answer: (path: string) => unknown = () => undefined): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const own = answer(path);
    if (own !== undefined) {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify(own));
      return;
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(resolve(root)) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, "index.html");
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}
