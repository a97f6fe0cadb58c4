#!/usr/bin/env node
// Launcher for the mxaccept CLI. Runs on any Node (the machine's may be older than the project needs):
// it runs the bootstrap (scripts/setup.sh: Node >= 22 and the npm dependencies, < 1 s when done), then starts the
// TypeScript CLI with a Node >= 22 (the project's own Node 24 where the system one is older). Everything else
// (Chromium, the reference instance's parts) is installed by the command that first needs it, announced.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tls from "node:tls";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const setup = spawnSync("bash", [join(root, "scripts", "setup.sh")], { stdio: "inherit" });
if (setup.error) {
  console.error("mxaccept: bash is needed to run the set-up: install bash and retry.");
  process.exit(1);
}
if (setup.status !== 0) process.exit(setup.status ?? 1);

function projectNode() {
  const tools = join(root, ".tools");
  if (!existsSync(tools)) return undefined;
  const dir = readdirSync(tools).filter((d) => d.startsWith("node-v")).sort().pop();
  return dir ? join(tools, dir, "bin", "node") : undefined;
}

const major = Number(process.versions.node.split(".")[0]);
const usable = major >= 22 && typeof tls.setDefaultCACertificates === "function";
const node = usable ? process.execPath : projectNode();
if (!node || !existsSync(node)) {
  console.error(`mxaccept: Node ${process.versions.node} is too old and the project's Node is missing: run 'npm run setup' and retry.`);
  process.exit(1);
}
const env = { ...process.env, PATH: `${dirname(node)}:${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
const child = spawn(node, ["--disable-warning=ExperimentalWarning", join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
