import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../src/stack/ports.ts";
import { mxaccept } from "./helpers/cli.ts";
import { expectOneLineError, processesMentioning } from "./helpers/errors.ts";

// Bad input a user can meet: one line saying what went wrong and what to do, non-zero exit, no stack trace, and
// nothing left running (no process carries the case's own state folder in its environment or command line).
const dir = mkdtempSync(join(tmpdir(), "mxa-cli-"));
const targetFile = (name: string, lines: string[]) => {
  const f = join(dir, `${name}.env`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
};
const closedPort = await freePort(); // nothing listens there
// A port occupied by something that is not a Matrix server: a plain HTTP service where the target says https.
const occupant = http.createServer((_q, r) => r.writeHead(200, { "Content-Type": "text/html" }).end("<h1>intranet</h1>"));
await new Promise<void>((r) => occupant.listen(0, "127.0.0.1", r));
const occupiedPort = (occupant.address() as AddressInfo).port;
// A port Synapse is told to listen on (overlay) while something else holds it.
const held = http.createServer();
await new Promise<void>((r) => held.listen(0, "127.0.0.1", r));
const heldPort = (held.address() as AddressInfo).port;
const occupiedOverlay = join(dir, "occupied-listener.yaml");
writeFileSync(occupiedOverlay, `listeners:\n  - { port: ${heldPort}, bind_addresses: ['127.0.0.1'], type: http, tls: true, resources: [{ names: [client, federation] }] }\n`);
const isDir = join(dir, "a-folder.env");
mkdirSync(isDir);
const ok = ["MXACCEPT_SERVER_NAME=example.org", "MXACCEPT_ADMIN_TOKEN=abcdefghijk"];
// A MAS build as --with mas checks it (a binary and a share folder with what MAS loads); never started here.
const fakeMas = { bin: join(dir, "mas-cli"), share: join(dir, "mas-share") };
writeFileSync(fakeMas.bin, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
for (const d of ["templates", "translations", "assets"]) mkdirSync(join(fakeMas.share, d), { recursive: true });
for (const f of ["manifest.json", "policy.wasm"]) writeFileSync(join(fakeMas.share, f), "");
const masOverlay = join(dir, "mas-overlay.yaml");
writeFileSync(masOverlay, "account: { login_with_email_allowed: false }\n");

interface Case {
  what: string;
  args: string[];
  message: RegExp;
  env?: Record<string, string>;
  /** The command prints progress (servers started) before its error. */
  progress?: boolean;
  timeoutMs?: number;
}

const cases: Case[] = [
  { what: "a missing target file", args: ["run", "--target", join(dir, "missing.env")], message: /target file .*missing\.env not found: pass --target/ },
  { what: "a target file that is a folder", args: ["run", "--target", isDir], message: /target file .*a-folder\.env cannot be read \(EISDIR\): check its permissions/ },
  { what: "a malformed target URL", args: ["run", "--target", targetFile("bad-url", ["MXACCEPT_BASE_URL=not-a-url", ...ok])], message: /MXACCEPT_BASE_URL: must be an http\(s\) URL.*fix the file/ },
  { what: "a target without server name", args: ["run", "--target", targetFile("no-name", ["MXACCEPT_BASE_URL=https://matrix.example.org", "MXACCEPT_ADMIN_TOKEN=abcdefghijk"])], message: /MXACCEPT_SERVER_NAME is missing; fix the file/ },
  { what: "a misspelt target key", args: ["run", "--target", targetFile("typo", ["MXACCEPT_BASEURL=https://matrix.example.org", ...ok])], message: /unknown key MXACCEPT_BASEURL: see \.env\.example/ },
  { what: "a target with neither admin token nor shared secret", args: ["run", "--target", targetFile("no-cred", ["MXACCEPT_BASE_URL=https://matrix.example.org", "MXACCEPT_SERVER_NAME=example.org"])], message: /set MXACCEPT_ADMIN_TOKEN or MXACCEPT_REGISTRATION_SHARED_SECRET/ },
  { what: "a CA file that does not exist", args: ["run", "--target", targetFile("no-ca", ["MXACCEPT_BASE_URL=https://matrix.example.org", ...ok, `MXACCEPT_CA_FILE=${join(dir, "nope.pem")}`])], message: /MXACCEPT_CA_FILE .*nope\.pem does not exist/ },
  { what: "a target with an unknown profile", args: ["run", "--target", targetFile("bad-profile", [`MXACCEPT_BASE_URL=https://127.0.0.1:${closedPort}`, ...ok, "MXACCEPT_PROFILE=nope"])], message: /unknown profile "nope": use one of managed-bundesmessenger, vodafone-secure-messenger/ },
  { what: "an unreachable target (closed port)", args: ["run", "--target", targetFile("unreachable", [`MXACCEPT_BASE_URL=https://127.0.0.1:${closedPort}`, ...ok])], message: /target https:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\): check MXACCEPT_BASE_URL/ },
  { what: "an unreachable target (unknown host)", args: ["run", "--target", targetFile("nxdomain", ["MXACCEPT_BASE_URL=https://mxaccept-nowhere.invalid", ...ok])], message: /target https:\/\/mxaccept-nowhere\.invalid is not reachable \((ENOTFOUND|EAI_AGAIN)\): check MXACCEPT_BASE_URL/ },
  { what: "a target port occupied by a non-Matrix service", args: ["run", "--target", targetFile("occupied", [`MXACCEPT_BASE_URL=https://127.0.0.1:${occupiedPort}`, ...ok])], message: /target https:\/\/127\.0\.0\.1:\d+ is not reachable \(EPROTO|ERR_SSL/ },
  { what: "an unknown profile", args: ["stack", "up", "--profile", "nope"], message: /unknown profile "nope": use one of/ },
  { what: "an unknown profile for run", args: ["run", "--profile", "nope"], message: /unknown profile "nope": use one of/, progress: true },
  { what: "an unknown suite", args: ["run", "--suite", "chat"], message: /--suite chat: unknown suite; choose from/ },
  { what: "an unknown option", args: ["run", "--targte", "x"], message: /Unknown option '--targte'.*usage: mxaccept run/ },
  { what: "an unknown command", args: ["frobnicate"], message: /unknown command "frobnicate": run 'mxaccept help'/ },
  { what: "a group limit that is not a number", args: ["stack", "up", "--group-limit", "many"], message: /--group-limit many: must be a whole number >= 1/ },
  { what: "a group limit for a profile without one", args: ["stack", "up", "--profile", "managed-bundesmessenger", "--group-limit", "100"], message: /--group-limit: profile managed-bundesmessenger has no group size limit/ },
  { what: "an unknown part", args: ["stack", "up", "--with", "ldap"], message: /--with ldap: unknown part; choose from .*scanner/ },
  { what: "an unknown topology", args: ["stack", "up", "--topology", "cluster"], message: /--topology cluster: unknown topology; choose simple .* or production/ },
  { what: "an nginx overlay without the production topology", args: ["stack", "up", "--overlay-nginx", occupiedOverlay], message: /--overlay-nginx configures the nginx of the production topology: add --topology production/ },
  { what: "MAS without a binary", args: ["stack", "up", "--with", "mas"], env: { MXACCEPT_MAS_BIN: "", MXACCEPT_MAS_SHARE: "" }, message: /--with mas runs a Matrix Authentication Service you built yourself .*: set MXACCEPT_MAS_BIN to your mas-cli binary and MXACCEPT_MAS_SHARE to its share folder/ },
  { what: "MAS with a binary that does not exist", args: ["stack", "up", "--with", "mas"], env: { MXACCEPT_MAS_BIN: join(dir, "no-mas-cli"), MXACCEPT_MAS_SHARE: fakeMas.share }, message: /MXACCEPT_MAS_BIN=.*no-mas-cli does not exist: set MXACCEPT_MAS_BIN to your mas-cli binary/ },
  { what: "MAS without its share folder", args: ["stack", "up", "--with", "mas"], env: { MXACCEPT_MAS_BIN: fakeMas.bin, MXACCEPT_MAS_SHARE: "" }, message: /--with mas needs MAS's share folder: set MXACCEPT_MAS_SHARE to its share folder \(templates\/, translations\/, assets\/, manifest\.json, policy\.wasm\)/ },
  { what: "MAS on the simple topology", args: ["stack", "up", "--with", "mas"], env: { MXACCEPT_MAS_BIN: fakeMas.bin, MXACCEPT_MAS_SHARE: fakeMas.share }, message: /--with mas routes hs1's \/login to MAS through the production topology's nginx: add --topology production/ },
  { what: "a MAS overlay without MAS", args: ["stack", "up", "--overlay-mas", masOverlay], message: /--overlay-mas configures the mas part: add --with mas or drop --overlay-mas/ },
  { what: "a missing Python", args: ["stack", "up"], env: { MXACCEPT_PYTHON: join(dir, "no-venv", "bin", "python") }, message: /the Python of the Synapse venv \(.*no-venv\/bin\/python\) is missing: run 'npm run setup'/ },
  { what: "a Python without Synapse", args: ["stack", "up"], env: { MXACCEPT_PYTHON: "/usr/bin/python3" }, message: /hs\d exited during start-up: .*No module named 'synapse'/, progress: true },
  { what: "an occupied homeserver port", args: ["stack", "up", "--overlay", occupiedOverlay], message: /hs1 exited during start-up: .*ListenerException: Failed to listen on TCP port \(\d+\)/, progress: true, timeoutMs: 180_000 },
];

describe("CLI errors", () => {
  afterAll(() => {
    occupant.close();
    held.close();
  });
  cases.forEach((c, i) => {
    it(`${c.what}: one line, non-zero exit, nothing left running`, { timeout: c.timeoutMs ?? 90_000 }, async () => {
      const state = join(dir, `state-${i}`);
      const r = await mxaccept(c.args, { MXACCEPT_STATE_DIR: state, MXACCEPT_REPORTS_DIR: join(dir, `reports-${i}`), ...c.env });
      const line = expectOneLineError(r, c.message, { progress: c.progress });
      console.log(`bad input | ${c.what} | mxaccept ${c.args.join(" ").replaceAll(dir, "$TMP")} | exit ${r.code} | ${line.replaceAll(dir, "$TMP")}`);
      expect(processesMentioning(state), "processes left running").toEqual([]);
    });
  });
});
