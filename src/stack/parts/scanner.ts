import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { stringify } from "yaml";
import { UserError } from "../../config/errors.ts";
import { projectRoot } from "../../config/paths.ts";
import { StopWaiting, waitFor } from "../../matrix/timeouts.ts";
import { clamavSignatures } from "../../virus/eicar.ts";
import { baseUrl, type Role } from "../generate.ts";
import { freePort } from "../ports.ts";
import { isOurProcess } from "../state.ts";
import type { PartContext, PartPlan, PartProcess, StackPart } from "../parts.ts";
import { ensure } from "../install.ts";
import { clamav, contentScanner } from "../installables.ts";

/**
 * The content scanner of the reference instance (`--with scanner`): matrix-content-scanner from PyPI (the
 * project venv) in front of hs1's media, a second one in front of hs2's (the federation partner has its own, as
 * every BundesMessenger instance does), and one ClamAV clamd from Debian behind both. clamd loads only the
 * signatures the harness generates (src/virus/eicar.ts); the scan script asks clamd through clamdscan.
 *
 * Each scanner listens on an internal loopback port and is reached only through its own TLS proxy
 * (src/stack/tls-proxy.ts, TLS 1.2+ with the stack's certificate for localhost), as the BundesMessenger chart puts
 * the scanner behind the TLS ingress: the target file names `https://localhost:<proxy port>`.
 *
 * MXACCEPT_SCANNER_BYPASS=1 in the environment of `stack up` / `run` replaces the scan script with one that
 * always says clean (the chart's scanner_bypass.sh): the broken instance the self-tests use.
 */

/** The venv's Python (not imported from native.ts, which imports the parts). */
const pythonPath = () => join(projectRoot(), ".venv", "bin", "python");
const MCS_PREFIX = "/_matrix/media_proxy/unstable";
const SCRIPTS = () => join(projectRoot(), "stack", "scanner");
const TLS_PROXY = () => join(projectRoot(), "src", "stack", "tls-proxy.ts");
/** Scan script exit codes that are errors, not verdicts: never cached (and, being non-zero, never served). */
const EXIT_CODES_TO_IGNORE = [1, 2];

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function spawnDetached(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): number {
  const out = openSync(log, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out], env });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new UserError(`could not start ${cmd}: run 'npm run setup' and retry.`);
  return child.pid;
}

/** clamd answers PING on its socket. */
export function clamdAnswers(conf: string): boolean {
  return spawnSync("clamdscan", [`--config-file=${conf}`, "--ping", "1"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

interface Mcs {
  role: Role;
  /** The scanner's own (internal, plain http) port. */
  port: number;
  /** The port of its TLS proxy, the one the target file names. */
  proxyPort: number;
  config: string;
  log: string;
}

function mcsConfig(dir: string, role: Role, port: number, proxyPort: number, homeserver: string, script: string): Mcs {
  const secret = join(dir, `request-secret-${role}`);
  writeFileSync(secret, randomBytes(32).toString("base64"), { mode: 0o600 });
  const tmp = join(dir, `tmp-${role}`);
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const config = join(dir, `mcs-${role}.yaml`);
  writeFileSync(config, stringify({
    web: { host: "127.0.0.1", port },
    scan: { script, temp_directory: tmp, removal_command: "rm -f" },
    download: { base_homeserver_url: homeserver },
    crypto: { request_secret_path: secret },
    result_cache: { exit_codes_to_ignore: EXIT_CODES_TO_IGNORE, max_size: 1024, ttl: "1d", max_file_size: "100MB" },
  }), { mode: 0o600 });
  return { role, port, proxyPort, config, log: join(dir, `mcs-${role}.log`) };
}

export const scanner: StackPart = {
  name: "scanner",
  description: "matrix-content-scanner in front of hs1 (and hs2) media, with ClamAV clamd and generated signatures",

  // ClamAV and the content scanner's wheel (built once, minutes): installed before start, so `mxaccept run` can do
  // it in the background while the checks that need only the homeservers run.
  async install(log) {
    await ensure(clamav, log);
    await ensure(contentScanner, log);
    for (const cmd of ["clamd", "clamdscan"]) {
      if (!have(cmd)) throw new UserError(`--with scanner needs ${cmd} (ClamAV from Debian): run 'npm run setup' and retry.`);
    }
    if (spawnSync(pythonPath(), ["-c", "import matrix_content_scanner.mcs"], { stdio: "ignore" }).status !== 0) {
      throw new UserError("--with scanner needs matrix-content-scanner in the project venv: run 'npm run setup' and retry.");
    }
  },

  async prepare(ctx: PartContext): Promise<PartPlan> {
    if (!have("mkfifo")) throw new UserError("--with scanner needs mkfifo (coreutils): install it and retry.");
    const dir = join(ctx.stateDir, "scanner");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "signatures"), { recursive: true, mode: 0o700 });
    for (const [file, text] of Object.entries(clamavSignatures())) writeFileSync(join(dir, "signatures", file), text);

    const clamdConf = join(dir, "clamd.conf");
    const socket = join(dir, "clamd.sock");
    writeFileSync(clamdConf, [
      "Foreground yes",
      `LocalSocket ${socket}`,
      `DatabaseDirectory ${join(dir, "signatures")}`,
      `LogFile ${join(dir, "clamd.log")}`,
      "LogTime yes",
      `TemporaryDirectory ${dir}`,
      "MaxFileSize 100M",
      "MaxScanSize 200M",
      "StreamMaxLength 100M",
      "SelfCheck 3600",
      "",
    ].join("\n"));
    const fifo = join(dir, "clamd-control");
    if (spawnSync("mkfifo", ["-m", "600", fifo]).status !== 0) throw new UserError(`could not create the FIFO ${fifo}: check the state folder.`);

    const bypass = process.env.MXACCEPT_SCANNER_BYPASS === "1";
    const script = join(dir, "scan");
    writeFileSync(script, bypass
      ? "#!/bin/sh\n# MXACCEPT_SCANNER_BYPASS=1: says clean without scanning (a broken instance for the self-tests).\necho 'File is clean'\nexit 0\n"
      : `#!/bin/sh\nexec sh '${join(SCRIPTS(), "scan.sh")}' '${clamdConf}' "$1"\n`, { mode: 0o700 });
    if (bypass) ctx.log("scanner: MXACCEPT_SCANNER_BYPASS=1, the scan script says clean without scanning");

    const ports: number[] = [];
    while (ports.length < 4) {
      const p = await freePort();
      if (!ports.includes(p) && !Object.values(ctx.layout.servers).some((s) => s.port === p)) ports.push(p);
    }
    const mcs = [
      mcsConfig(dir, "hs1", ports[0]!, ports[2]!, baseUrl(ctx.layout, "hs1"), script),
      mcsConfig(dir, "hs2", ports[1]!, ports[3]!, baseUrl(ctx.layout, "hs2"), script),
    ];
    const ctl = (what: string) => `sh ${join(SCRIPTS(), "clamd-ctl.sh")} ${what} ${clamdConf} ${fifo}`;
    const url = (m: Mcs) => `https://localhost:${m.proxyPort}`;

    return {
      targetEnv: {
        MXACCEPT_SCANNER_URL: url(mcs[0]!),
        MXACCEPT_PARTNER_SCANNER_URL: url(mcs[1]!),
        MXACCEPT_SCANNER_AV_STOP: ctl("stop"),
        MXACCEPT_SCANNER_AV_START: ctl("start"),
      },
      async start(track: (p: PartProcess) => void) {
        const clamdLog = join(dir, "clamd.out");
        const sup = spawnDetached("sh", [join(SCRIPTS(), "clamd-supervise.sh"), clamdConf, fifo], clamdLog);
        track({ name: "clamd", pid: sup, match: clamdConf, log: clamdLog });
        const env = { ...process.env, PYTHONUNBUFFERED: "1", SSL_CERT_FILE: ctx.layout.tls.caCert };
        const proxies = new Map<Role, { pid: number; tag: string; log: string }>();
        for (const m of mcs) {
          const pid = spawnDetached(pythonPath(), ["-m", "matrix_content_scanner.mcs", "-c", m.config], m.log, env);
          track({ name: `content scanner (${m.role})`, pid, match: m.config, log: m.log });
          const tag = join(dir, `tls-proxy-${m.role}-${m.proxyPort}`);
          const proxyLog = join(dir, `tls-proxy-${m.role}.log`);
          const proxy = spawnDetached(process.execPath, [TLS_PROXY(), "--listen", String(m.proxyPort), "--upstream", `http://127.0.0.1:${m.port}`,
            "--cert", ctx.layout.tls.cert, "--key", ctx.layout.tls.key, "--tag", tag], proxyLog);
          track({ name: `TLS proxy of the content scanner (${m.role})`, pid: proxy, match: tag, log: proxyLog });
          proxies.set(m.role, { pid: proxy, tag, log: proxyLog });
        }
        await waitFor("clamd to answer PING", async () => {
          if (!isOurProcess(sup, clamdConf)) throw new UserError(`clamd exited during start-up: see ${join(dir, "clamd.log")} and ${clamdLog}.`);
          return clamdAnswers(clamdConf) ? true : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200 }).catch((e) => {
          throw e instanceof UserError ? e : new UserError(`clamd did not start: ${(e as Error).message}; see ${join(dir, "clamd.log")}.`);
        });
        await Promise.all(mcs.map((m) => waitFor(`the content scanner for ${m.role} to answer through its TLS proxy`, async () => {
          const p = proxies.get(m.role)!;
          if (!isOurProcess(p.pid, p.tag)) throw new StopWaiting(`the TLS proxy of the content scanner for ${m.role} exited during start-up: see ${p.log}.`);
          const res = await fetch(`${url(m)}${MCS_PREFIX}/public_key`, { signal: AbortSignal.timeout(2000) });
          return res.status === 200 ? true : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200 }).catch((e) => {
          throw new UserError(e instanceof StopWaiting ? (e as Error).message : `the content scanner for ${m.role} did not start: ${(e as Error).message}; see ${m.log}.`);
        })));
      },
    };
  },
};
