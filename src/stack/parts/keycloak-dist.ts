import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { UserError } from "../../config/errors.ts";
import { cacheDir } from "../install.ts";
import { KeycloakAdmin } from "../../idp/keycloak-admin.ts";
import { randomPassword } from "../../matrix/login.ts";
import { freePort } from "../ports.ts";
import { spawnKeycloak, stopKeycloak, waitKeycloakReady } from "./keycloak-process.ts";

/**
 * The Keycloak server distribution from Maven Central (org.keycloak:keycloak-quarkus-dist), fetched with Maven,
 * unpacked and built once (the Quarkus build step, `kc.sh build`) into
 * `${XDG_CACHE_HOME:-~/.cache}/mxaccept/keycloak-<version>/`, so every later start is `start --optimized`.
 * Done lazily, the first time `--with keycloak` is used; the cache is shared by every clone on the machine.
 */

export const KEYCLOAK_VERSION = "26.5.6";
/** Build-time options; changing them rebuilds the cached distribution. */
export const KEYCLOAK_BUILD_OPTIONS = ["--db=dev-file"];

const run = promisify(execFile);

export function keycloakHome(version = KEYCLOAK_VERSION): string {
  return join(cacheDir(), `keycloak-${version}`);
}

/** A Java runtime Keycloak 26 supports (17, 21 or 25): JAVA_HOME when set, else the system's java. */
export async function javaHome(): Promise<string | undefined> {
  const candidates = [process.env.JAVA_HOME, "/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/temurin-25-jdk-amd64"].filter((d): d is string => !!d);
  const home = candidates.find((d) => existsSync(join(d, "bin", "java")));
  const java = home ? join(home, "bin", "java") : "java";
  let out: string;
  try {
    const r = await run(java, ["-version"]);
    out = `${r.stdout}${r.stderr}`;
  } catch {
    throw new UserError("Java is missing (Keycloak needs OpenJDK 17, 21 or 25): run 'npm run setup' (installs openjdk-17-jre-headless) and retry.");
  }
  const major = Number(/version "(\d+)/.exec(out)?.[1] ?? 0);
  if (![17, 21, 25].includes(major)) throw new UserError(`${java} is Java ${major}; Keycloak ${KEYCLOAK_VERSION} needs 17, 21 or 25: set JAVA_HOME to one of those and retry.`);
  return home;
}

function stampText(): string {
  return `keycloak ${KEYCLOAK_VERSION} built with ${KEYCLOAK_BUILD_OPTIONS.join(" ")}\n`;
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string; stdout?: string; message?: string };
  const text = `${err.stderr ?? ""}\n${err.stdout ?? ""}`.split("\n").map((l) => l.trim()).find((l) => /ERROR|error|failed/.test(l));
  return (text ?? err.message ?? String(e)).split("\n")[0]!.slice(0, 300);
}

/**
 * Returns the Keycloak home of the pinned version, fetching and building it when the cache lacks it.
 * Idempotent; a half-finished attempt (interrupted download or build) is started again.
 */
export async function ensureKeycloakDist(log: (line: string) => void): Promise<{ home: string; fetchedMs?: number; builtMs?: number }> {
  const home = keycloakHome();
  const stamp = join(home, ".mxaccept-built");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === stampText() && existsSync(join(home, "bin", "kc.sh"))) return { home };
  const jhome = await javaHome();
  mkdirSync(cacheDir(), { recursive: true });
  let fetchedMs: number | undefined;
  if (!existsSync(join(home, "bin", "kc.sh"))) {
    const t0 = performance.now();
    const tmp = mkdtempSync(join(cacheDir(), `.keycloak-${KEYCLOAK_VERSION}-`));
    try {
      log(`fetching Keycloak ${KEYCLOAK_VERSION} from Maven Central (once; cached in ${home})`);
      try {
        await run("mvn", ["-q", "-B", "dependency:copy", `-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz`, `-DoutputDirectory=${tmp}`], { maxBuffer: 16 << 20 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UserError("Maven (mvn) is missing, needed once to fetch Keycloak: run 'npm run setup' and retry.");
        throw new UserError(`could not fetch org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION} from Maven Central (${firstLine(e)}): check Maven's access to Maven Central and retry.`);
      }
      try {
        await run("tar", ["-xzf", join(tmp, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`), "-C", tmp]);
      } catch (e) {
        throw new UserError(`could not unpack the Keycloak distribution (${firstLine(e)}): delete ${tmp} and retry.`);
      }
      rmSync(home, { recursive: true, force: true });
      renameSync(join(tmp, `keycloak-${KEYCLOAK_VERSION}`), home);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    fetchedMs = performance.now() - t0;
  }
  const t1 = performance.now();
  log(`building Keycloak ${KEYCLOAK_VERSION} (${KEYCLOAK_BUILD_OPTIONS.join(" ")}; once, takes a minute or two)`);
  try {
    await run(join(home, "bin", "kc.sh"), ["build", ...KEYCLOAK_BUILD_OPTIONS], { env: { ...process.env, ...(jhome ? { JAVA_HOME: jhome } : {}) }, maxBuffer: 16 << 20 });
  } catch (e) {
    throw new UserError(`'kc.sh build' of Keycloak ${KEYCLOAK_VERSION} failed (${firstLine(e)}): delete ${home} and retry.`);
  }
  rmSync(join(home, "data"), { recursive: true, force: true });
  writeFileSync(stamp, stampText());
  return { home, fetchedMs, builtMs: performance.now() - t1 };
}

export const TEMPLATE_ADMIN = "mxaccept-admin";

export interface KeycloakTemplate {
  /** Folder holding the H2 database files (keycloakdb.mv.db) to copy into a new instance's `h2/`. */
  h2Dir: string;
  adminUser: string;
  adminPassword: string;
  /** Set when this call made the template. */
  madeMs?: number;
}

/**
 * An initialised Keycloak database (schema, master realm in German, a bootstrap admin), made once next to the
 * cached distribution by a first start and a clean stop. Every instance starts from a copy of it, so a start
 * skips the schema creation and master realm set-up (most of a cold Keycloak start).
 */
export async function ensureKeycloakTemplate(home: string, log: (line: string) => void): Promise<KeycloakTemplate> {
  const dir = join(home, "mxaccept-template");
  const secretFile = join(dir, "admin-password");
  if (existsSync(join(dir, "h2", "keycloakdb.mv.db")) && existsSync(secretFile)) {
    return { h2Dir: join(dir, "h2"), adminUser: TEMPLATE_ADMIN, adminPassword: readFileSync(secretFile, "utf8").trim() };
  }
  const t0 = performance.now();
  log(`initialising a Keycloak database template (once; cached in ${dir})`);
  const tmp = mkdtempSync(join(home, ".template-"));
  const password = randomPassword();
  const kc = spawnKeycloak({ home, javaHome: await javaHome(), dir: tmp, port: await freePort(), env: { KC_BOOTSTRAP_ADMIN_USERNAME: TEMPLATE_ADMIN, KC_BOOTSTRAP_ADMIN_PASSWORD: password } });
  try {
    await waitKeycloakReady(kc, 600_000);
    // The admin console (the identity management portal) in German, like the realms' login pages.
    await new KeycloakAdmin(kc.base, { username: TEMPLATE_ADMIN, password }).updateRealm("master", { internationalizationEnabled: true, supportedLocales: ["de", "en"], defaultLocale: "de" });
  } catch (e) {
    await stopKeycloak(kc);
    rmSync(tmp, { recursive: true, force: true });
    throw e instanceof UserError ? e : new UserError(`could not initialise the Keycloak template (${(e as Error).message}): see ${kc.log} and retry.`);
  }
  await stopKeycloak(kc);
  writeFileSync(join(tmp, "admin-password"), `${password}\n`, { mode: 0o600 });
  rmSync(join(tmp, "transaction-logs"), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { h2Dir: join(dir, "h2"), adminUser: TEMPLATE_ADMIN, adminPassword: password, madeMs: performance.now() - t0 };
}
