import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadProfile } from "../src/config/profile.ts";
import { projectRoot } from "../src/config/paths.ts";
import { ROLES, serverConfig, type StackLayout } from "../src/stack/generate.ts";
import { composeLayout, composeYaml, writeCompose, IMAGES } from "../src/stack/compose.ts";
import { chooseLauncher } from "../src/stack/containers.ts";
import { normalizeHomeserver, canonical } from "../src/report/fingerprint.ts";

const profile = loadProfile("managed-bundesmessenger");
const overlay = { encryption_enabled_by_default_for_room_type: "off" };

/** The compose command of this machine: the docker plugin, else Debian's docker-compose, else none. */
function composeCommand(): string[] | undefined {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  return undefined;
}

/** A layout as the native launcher makes one: state-folder paths, free ports, random secrets. */
function nativeLayout(): StackLayout {
  const dir = "/home/qa/.mxaccept";
  return {
    host: "localhost",
    timeScale: 1,
    sizeScale: 1,
    tls: { caCert: `${dir}/tls/ca.crt`, cert: `${dir}/tls/server.crt`, key: `${dir}/tls/server.key` },
    servers: Object.fromEntries(ROLES.map((r, i) => [r, { port: 40001 + i, dir: `${dir}/${r}`, secrets: { registration: `reg-${r}`, macaroon: `mac-${r}`, form: `form-${r}` } }])) as StackLayout["servers"],
  };
}

describe("docker-compose.yml", () => {
  it("at the project root is what the generator writes (regenerate with 'npm run compose')", () => {
    expect(readFileSync(join(projectRoot(), "docker-compose.yml"), "utf8")).toBe(composeYaml());
  });

  it("uses official images for Synapse, content scanner, ClamAV, Keycloak and PostgreSQL", () => {
    const doc = parse(composeYaml()) as { services: Record<string, { image: string; profiles?: string[] }> };
    expect(Object.keys(doc.services).sort()).toEqual(["clamav", "content-scanner", "hs1", "hs1-client1", "hs1-federation1", "hs1-media1", "hs2", "hs3", "keycloak", "nginx", "postgres", "redis"]);
    expect(doc.services.hs1!.image).toBe(IMAGES.synapse);
    expect(Object.values(doc.services).map((s) => s.image.split(":")[0])).toEqual(expect.arrayContaining(["matrixdotorg/synapse", "vectorim/matrix-content-scanner", "clamav/clamav", "quay.io/keycloak/keycloak", "postgres"]));
    expect(doc.services.hs1!.profiles).toBeUndefined();
  });

  it("is valid for docker compose config, with every profile", (ctx) => {
    const cmd = composeCommand();
    if (!cmd) ctx.skip("neither 'docker compose' nor 'docker-compose' is installed (npm run setup installs Debian's docker-compose)");
    const root = mkdtempSync(join(tmpdir(), "mxa-compose-"));
    const files = writeCompose(root, profile.id);
    const out = execFileSync(cmd![0]!, [...cmd!.slice(1), "-f", files.composeFile, "--profile", "scanner", "--profile", "keycloak", "--profile", "postgres", "config"], { cwd: root, encoding: "utf8" });
    const resolved = parse(out) as { services: Record<string, unknown> };
    // docker-compose v1 prints services of every profile; the plugin only the selected ones.
    expect(Object.keys(resolved.services).sort()).toEqual(expect.arrayContaining(["clamav", "content-scanner", "hs1", "hs2", "hs3", "keycloak", "postgres"]));
  });

  it("describes the production topology: hs1's workers, Redis and nginx under profile production, from the same generator", (ctx) => {
    const root = mkdtempSync(join(tmpdir(), "mxa-compose-"));
    const files = writeCompose(root, profile.id, { topology: "production" });
    const hs1 = files.configs.hs1 as Record<string, unknown>;
    expect(hs1.server_name, "the server name is delegated, without a port").toBe("localhost");
    expect(hs1.enable_media_repo).toBe(false);
    expect(hs1.redis).toMatchObject({ enabled: true, port: 6380 });
    expect((hs1.database as { name: string }).name).toBe("psycopg2");
    expect(files.configs.hs2.federation_domain_whitelist, "hs2 allows hs1 by its delegated name").toContain("localhost");
    const nginx = readFileSync(join(files.configDir, "production", "nginx.conf"), "utf8");
    expect(nginx).toMatch(/listen 127\.0\.0\.1:443 ssl;/);
    expect(nginx).toContain('"m.server":"localhost:8441"');
    const targetText = readFileSync(files.targetFile, "utf8");
    expect(targetText).toContain("MXACCEPT_ADMIN_BASE_URL=https://localhost:8449");
    expect(targetText, "every server's admin URL is named").toMatch(/^MXACCEPT_PARTNER_ADMIN_BASE_URL=https:\/\/localhost:\d+$/m);
    expect(targetText).toMatch(/^MXACCEPT_OUTSIDER_ADMIN_BASE_URL=https:\/\/localhost:\d+$/m);
    const cmd = composeCommand();
    if (!cmd) ctx.skip("neither 'docker compose' nor 'docker-compose' is installed (npm run setup installs Debian's docker-compose)");
    const out = execFileSync(cmd![0]!, [...cmd!.slice(1), "-f", files.composeFile, "--profile", "production", "--profile", "postgres", "config"], { cwd: root, encoding: "utf8" });
    const resolved = parse(out) as { services: Record<string, unknown> };
    expect(Object.keys(resolved.services).sort()).toEqual(expect.arrayContaining(["hs1", "hs1-client1", "hs1-federation1", "hs1-media1", "hs2", "hs3", "nginx", "postgres", "redis"]));
  });
});

describe("both launchers get the same homeserver.yaml", () => {
  it("compose writes serverConfig of the generator for its layout, overlay included", () => {
    const root = mkdtempSync(join(tmpdir(), "mxa-compose-"));
    const files = writeCompose(root, profile.id, { overlays: { hs1: overlay } });
    for (const role of ROLES) {
      const written = parse(readFileSync(join(files.configDir, role, "homeserver.yaml"), "utf8"));
      expect(written).toEqual(serverConfig(profile, files.layout, role, [role === "hs1" ? overlay : undefined]));
    }
    expect(parse(readFileSync(join(files.configDir, "hs1", "homeserver.yaml"), "utf8")).encryption_enabled_by_default_for_room_type).toBe("off");
  });

  it("native and compose configs differ only in paths, ports and secrets", () => {
    const native = nativeLayout();
    const compose = composeLayout({ hs1: { registration: "a", macaroon: "b", form: "c" }, hs2: { registration: "d", macaroon: "e", form: "f" }, hs3: { registration: "g", macaroon: "h", form: "i" } });
    const roleNames = (layout: StackLayout, text: string) => ROLES.reduce((t, r) => t.split(`localhost:${layout.servers[r].port}`).join(r), text);
    for (const role of ROLES) {
      const a = roleNames(native, canonical(normalizeHomeserver(serverConfig(profile, native, role, [overlay]))));
      const b = roleNames(compose, canonical(normalizeHomeserver(serverConfig(profile, compose, role, [overlay]))));
      expect(b).toBe(a);
      if (role !== "hs3") expect(a).toContain("federation_domain_whitelist");
    }
  });

  it("selects the native launcher when no Docker engine is reachable, and honours MXACCEPT_LAUNCHER", async () => {
    expect(await chooseLauncher({ MXACCEPT_LAUNCHER: "native" })).toBe("native");
    expect(await chooseLauncher({ MXACCEPT_LAUNCHER: "containers" })).toBe("containers");
    await expect(chooseLauncher({ MXACCEPT_LAUNCHER: "podman" })).rejects.toThrow(/native, containers or auto/);
    if (!process.env.DOCKER_HOST) expect(await chooseLauncher({})).toBe(spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0 ? "containers" : "native");
  });
});
