import { existsSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import type { Profile } from "../config/profile.ts";
import { projectRoot } from "../config/paths.ts";
import { trustCa } from "../config/trust.ts";
import { registerWithSharedSecret } from "../matrix/registration.ts";
import { waitFor } from "../matrix/timeouts.ts";
import { ROLES, type Role, serverName, baseUrl } from "./generate.ts";
import type { Yamlish } from "./overlay.ts";
import { writeCompose } from "./compose.ts";
import { type StackState, writeState, clearState } from "./state.ts";
import type { StackOptions } from "./options.ts";
import { targetFileText } from "./target-file.ts";

/**
 * The testcontainers launcher: the same reference instance as the native launcher, from docker-compose.yml
 * (compose.ts, official images), written into the state folder and started with testcontainers'
 * DockerComposeEnvironment. `stack up` uses it when a Docker engine is reachable (MXACCEPT_LAUNCHER=native or
 * =containers forces one). testcontainers is loaded only then, so the native path does not pay for it.
 */

export type LauncherName = "native" | "containers";

function socketCandidates(): string[] {
  return ["/var/run/docker.sock", ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, "docker.sock")] : [])];
}

/** True when a Docker engine answers (DOCKER_HOST or a local socket, then a ping through testcontainers). */
export async function dockerReachable(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !socketCandidates().some((s) => existsSync(s))) return false;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await Promise.race([getContainerRuntimeClient(), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), 10_000))]);
    return true;
  } catch {
    return false;
  }
}

export async function chooseLauncher(env: NodeJS.ProcessEnv = process.env): Promise<LauncherName> {
  const want = env.MXACCEPT_LAUNCHER ?? "auto";
  if (want === "native" || want === "containers") return want;
  if (want !== "auto") throw new UserError(`MXACCEPT_LAUNCHER=${want}: use native, containers or auto.`);
  return (await dockerReachable()) ? "containers" : "native";
}

function projectName(stateDir: string): string {
  return `mxaccept-${createHash("sha256").update(stateDir).digest("hex").slice(0, 8)}`;
}

export async function containerStackUp(opts: StackOptions, profile: Profile, overlays: Partial<Record<Role, Yamlish>>): Promise<StackState> {
  const log = opts.log ?? (() => {});
  const root = join(opts.stateDir, "compose");
  const files = writeCompose(root, profile.id, { overlays, timeScale: opts.timeScale, sizeScale: opts.sizeScale, modulesDir: join(projectRoot(), "stack", "modules") });
  trustCa(join(files.configDir, "tls", "ca.crt"));
  const state: StackState = {
    version: 1,
    profile: profile.id,
    timeScale: files.layout.timeScale,
    sizeScale: files.layout.sizeScale,
    startedAt: new Date().toISOString(),
    overlays: opts.overlays ?? {},
    servers: ROLES.map((role) => ({ role, port: files.layout.servers[role].port, pid: 0, dir: join(files.configDir, role), config: join(files.configDir, role, "homeserver.yaml"), serverName: serverName(files.layout, role), baseUrl: baseUrl(files.layout, role) })),
    parts: [],
    caCert: join(files.configDir, "tls", "ca.crt"),
    targetFile: join(opts.stateDir, "target.env"),
    launcher: "containers",
    compose: { dir: root, project: projectName(opts.stateDir) },
  };
  writeState(opts.stateDir, state);
  const { DockerComposeEnvironment } = await import("testcontainers");
  log(`starting ${files.composeFile} with testcontainers (project ${state.compose!.project}${opts.with?.length ? `, profiles ${opts.with.join(",")}` : ""})`);
  try {
    await new DockerComposeEnvironment(root, "docker-compose.yml")
      .withProjectName(state.compose!.project)
      .withProfiles(...(opts.with ?? []))
      .withEnvironment({ MXACCEPT_UID: String(process.getuid?.() ?? 1000), MXACCEPT_GID: String(process.getgid?.() ?? 1000) })
      .up();
    await Promise.all(state.servers.map((s) => waitFor(`${s.role} (${s.baseUrl}) to answer /health`, async () => {
      const res = await fetch(`${s.baseUrl}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500 })));
    const tokens = {} as Record<Role, string>;
    const secrets = {} as Record<Role, string>;
    for (const s of state.servers) {
      secrets[s.role] = files.layout.servers[s.role].secrets.registration;
      tokens[s.role] = (await registerWithSharedSecret(s.baseUrl, secrets[s.role], { username: "admin", password: randomBytes(18).toString("base64url"), admin: true })).access_token;
    }
    writeFileSync(state.targetFile, targetFileText(state, tokens, secrets), { mode: 0o600 });
  } catch (e) {
    await containerStackDown(opts.stateDir, state);
    throw e instanceof UserError ? e : new UserError(`the compose stack did not start (${(e as Error).message.split("\n")[0]}): check 'docker compose -p ${state.compose!.project} logs'.`);
  }
  return state;
}

export async function containerStackDown(stateDir: string, state: StackState): Promise<Role[]> {
  if (state.compose) {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const client = await getContainerRuntimeClient();
    await client.compose.down({ filePath: state.compose.dir, files: "docker-compose.yml", projectName: state.compose.project }, { removeVolumes: true, timeout: 15 });
  }
  clearState(stateDir);
  return state.servers.map((s) => s.role);
}
