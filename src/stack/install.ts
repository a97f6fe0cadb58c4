import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";

/**
 * Installing a part of the embedded reference instance the first time something needs it (set-up by need).
 *
 * Every installable thing (a Debian package set, a venv, a binary built from a registry, a cached distribution) is
 * an `Installable`: `present()` answers quickly and without side effects; `install()` does the work. `ensure()`
 * announces the work in one line before it starts, says "still …" at least every 10 s while it runs, and prints
 * the time it took after. A failure is one line that says what to do (UserError), and only what needs the part is
 * affected.
 */

export interface Installable {
  /** Short name, e.g. "the content scanner", "nginx and Redis", "Dendrite 0.13.8". */
  name: string;
  /** How long the first install takes, said up front: "a few minutes", "about 10 s". */
  expect: string;
  /** True when nothing needs to be done. Must be quick and must not install anything. */
  present(): boolean | Promise<boolean>;
  /** Does the work; `progress` replaces the current activity line of the heartbeat ("compiling", "downloading"). */
  install(progress: (activity: string) => void): Promise<void>;
}

export type Log = (line: string) => void;

/** `${XDG_CACHE_HOME:-~/.cache}/mxaccept`: built artefacts shared by every clone on the machine. */
export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mxaccept");
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Installs `part` unless it is present; announces it, keeps talking every 10 s, and reports the time taken. */
export async function ensure(part: Installable, log: Log = (l) => console.error(l)): Promise<{ installedMs?: number }> {
  if (await part.present()) return {};
  // One install of a part at a time on this machine: a second mxaccept (another test worker, another clone, a
  // parallel CI job) waits for the first and then finds the part present, instead of starting the same build.
  const inProcess = installing.get(part.name);
  if (inProcess) {
    await inProcess.catch(() => undefined);
    return ensure(part, log);
  }
  const work = (async () => {
    const release = await installLock(part.name, log);
    try {
      if (await part.present()) return {};
      return await installNow(part, log);
    } finally {
      release();
    }
  })();
  installing.set(part.name, work);
  try {
    return await work;
  } finally {
    installing.delete(part.name);
  }
}

const installing = new Map<string, Promise<{ installedMs?: number }>>();

/** The lock file of `name` in the cache folder, holding the pid of the process installing it. */
export function installLockPath(name: string): string {
  return join(cacheDir(), "locks", `${name.replace(/[^A-Za-z0-9.-]+/g, "_")}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the machine-wide install lock of `name` (exclusive create of a pid file). While another live process holds
 * it, waits (one line, then "still waiting" every 30 s) up to MXACCEPT_INSTALL_WAIT_MIN minutes (default 120: a cold
 * build of the content scanner takes over an hour on a slow runner). A lock whose process is gone is taken over.
 */
async function installLock(name: string, log: Log): Promise<() => void> {
  const file = installLockPath(name);
  mkdirSync(join(file, ".."), { recursive: true });
  const deadline = Date.now() + Number(process.env.MXACCEPT_INSTALL_WAIT_MIN ?? 120) * 60_000;
  let said = 0;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new UserError(`cannot take the install lock ${file} (${(e as Error).message}): check that ${cacheDir()} is writable.`);
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(file, "utf8").trim());
    } catch {
      continue; // released between our attempt and the read
    }
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      // A lock left by a process that is gone is taken over. An empty file is a process between its open and its
      // write: only after 5 s is it left over. Removed only if it still holds what was read (a narrow race remains).
      let stale = holder !== 0;
      try {
        stale ||= Date.now() - statSync(file).mtimeMs > 5_000;
        if (stale && Number(readFileSync(file, "utf8").trim()) === holder) rmSync(file, { force: true });
      } catch {
        /* gone meanwhile */
      }
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (Date.now() > deadline) throw new UserError(`${name} is still being installed by process ${holder} (lock ${file}): wait for it, or stop it and remove the lock file.`);
    if (Date.now() - said >= 30_000) {
      log(`${said ? "  … still waiting" : "waiting"} for process ${holder}, which is installing ${name} (lock ${file})`);
      said = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function installNow(part: Installable, log: Log): Promise<{ installedMs?: number }> {
  const t0 = performance.now();
  let activity = "working";
  log(`installing ${part.name} (first use, ${part.expect}) …`);
  const beat = setInterval(() => log(`  … still ${activity} for ${part.name} (${formatDuration(performance.now() - t0)})`), 10_000);
  beat.unref();
  try {
    await part.install((a) => {
      activity = a;
    });
  } finally {
    clearInterval(beat);
  }
  if (!(await part.present())) throw new UserError(`installing ${part.name} finished but it is still not usable: run 'npm run setup -- --all' to see why.`);
  const ms = performance.now() - t0;
  log(`installed ${part.name} in ${formatDuration(ms)}`);
  return { installedMs: ms };
}

/** Runs a command to completion, its output into `logFile`; rejects with a one-line UserError naming `what` and the log. */
export function runLogged(cmd: string, args: string[], opts: { what: string; logFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  mkdirSync(join(opts.logFile, ".."), { recursive: true });
  writeFileSync(opts.logFile, `$ ${cmd} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `exec "$0" "$@" >>"${opts.logFile}" 2>&1`, cmd, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: "ignore" });
    child.on("error", (e) => reject(new UserError(`${opts.what} could not start (${e.message}): see ${opts.logFile}.`)));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new UserError(`${opts.what} failed (exit ${code}): see ${opts.logFile}, fix the cause and retry.`))));
  });
}

/** Which of `commands` are missing from PATH (or, for absolute paths, from the disk). */
export function missingCommands(commands: string[]): string[] {
  const path = (process.env.PATH ?? "").split(":").filter(Boolean);
  return commands.filter((c) => (c.startsWith("/") ? !existsSync(c) : !path.some((d) => existsSync(join(d, c)))));
}

/**
 * An Installable for Debian packages: present when every command exists; installs the packages with apt-get
 * (root only; `apt-get update` once per machine). Anyone else is told the exact command to run.
 */
export function debianPackages(name: string, commands: string[], packages: string[]): Installable {
  return {
    name,
    expect: "about a minute",
    present: () => missingCommands(commands).length === 0,
    async install(progress) {
      const cmd = `apt-get install -y ${packages.join(" ")}`;
      if (process.getuid?.() !== 0) throw new UserError(`${name} is missing (${missingCommands(commands).join(", ")}): run 'sudo ${cmd}' and retry.`);
      if (missingCommands(["apt-get"]).length) throw new UserError(`${name} is missing (${missingCommands(commands).join(", ")}): install ${packages.join(" ")} with your package manager and retry.`);
      const logFile = join(cacheDir(), "logs", `apt-${packages[0]}.log`);
      const stamp = join(cacheDir(), ".apt-updated");
      if (!existsSync(stamp)) {
        progress("running apt-get update");
        await runLogged("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-qq"], { what: "apt-get update", logFile });
        writeFileSync(stamp, new Date().toISOString());
      }
      progress(`installing ${packages.join(" ")}`);
      await runLogged("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", ...packages], { what: cmd, logFile, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    },
  };
}
