import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { COMPAT_PATHS, finalMasConfig, masConfig, masSecrets, signingKeys, ulid } from "../src/stack/parts/mas-config.ts";
import { nginxConfig } from "../src/stack/topology/nginx.ts";
import { masUpstreamProvider } from "../src/stack/parts/keycloak.ts";
import type { Yamlish } from "../src/stack/overlay.ts";

/**
 * MAS's generated config and --overlay-mas (src/stack/parts/mas-config.ts): what the overlays of the both-directions
 * checks need (e-mail login off, the per-account login limit lifted, the admin API on the public listener, password
 * login off) merges into the generated config without restating ports, certificates or what other parts gave it;
 * and hs1's nginx routes MAS's compatibility paths to MAS and announces it in the client well-known.
 */
const share = "/opt/mas/share";
const secrets = masSecrets();
const base = masConfig({
  installation: { bin: "/opt/mas/mas-cli", share },
  publicBase: "https://localhost:8443/",
  publicPort: 8443,
  internalPort: 8081,
  tls: { cert: "/s/tls/server.crt", key: "/s/tls/server.key" },
  homeserver: "localhost",
  homeserverEndpoint: "http://127.0.0.1:8008/",
  homeserverSecret: secrets.homeserver,
  client: { id: ulid(), secret: secrets.client },
  encryption: secrets.encryption,
  keys: ["-----BEGIN RSA PRIVATE KEY-----\n…\n-----END RSA PRIVATE KEY-----\n"],
});
const fromParts: Yamlish[] = [
  { database: { uri: "postgresql://mas@127.0.0.1:5432/mas" } },
  { upstream_oauth2: { providers: [masUpstreamProvider(ulid(), "https://localhost:8444/realms/mxaccept", "secret")] } },
];
const overlay = parse(`
account: { login_with_email_allowed: false }
passwords: { enabled: false }
rate_limiting: { login: { per_account: { burst: 100000, per_second: 1000 } } }
http:
  listeners:
    - name: web
      resources: [{ name: adminapi }]
`) as Yamlish;

type Listener = { name: string; resources: { name: string }[]; binds: unknown[]; tls?: unknown };
const listeners = (c: Yamlish) => (c.http as { listeners: Listener[] }).listeners;
const byName = (c: Yamlish, name: string) => listeners(c).find((l) => l.name === name)!;

describe("MAS's generated config", () => {
  it("has what the brief of the reference asks, from the share folder", () => {
    expect((base.http as Yamlish).public_base).toBe("https://localhost:8443/");
    expect(byName(base, "web").resources.map((r) => r.name)).toEqual(["discovery", "human", "oauth", "compat", "graphql", "assets"]);
    expect(byName(base, "web").tls, "the public listener is https").toBeTruthy();
    expect(byName(base, "internal").resources.map((r) => r.name)).toEqual(expect.arrayContaining(["adminapi", "health"]));
    expect(byName(base, "web").resources.map((r) => r.name), "the admin API is not public").not.toContain("adminapi");
    expect(base.templates).toEqual({ path: `${share}/templates`, assets_manifest: `${share}/manifest.json`, translations_path: `${share}/translations` });
    expect((base.policy as Yamlish).wasm_module).toBe(`${share}/policy.wasm`);
    expect(base.account).toEqual({ login_with_email_allowed: true });
    expect(base.rate_limiting, "a conforming login limiter: 5 wrong passwords per account").toEqual({ login: { per_ip: { burst: 60, per_second: 1 }, per_account: { burst: 5, per_second: 0.05 } } });
    expect(base.matrix).toMatchObject({ kind: "synapse", homeserver: "localhost", endpoint: "http://127.0.0.1:8008/" });
    const clientId = (base.clients as { client_id: string }[])[0]!.client_id;
    expect(((base.policy as Yamlish).data as Yamlish).admin_clients).toEqual([clientId]);
    expect(clientId).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(secrets.encryption).toMatch(/^[0-9a-f]{64}$/);
  });

  it("--overlay-mas merges into it after what the other parts gave: e-mail login off, password login off, the login limit lifted, the admin API on the public listener", () => {
    const merged = finalMasConfig(base, fromParts, overlay);
    expect(merged.account).toEqual({ login_with_email_allowed: false });
    expect(merged.passwords).toEqual({ enabled: false });
    expect(merged.rate_limiting, "the overlay lifts the per-account limit, the generated per-address one stays").toEqual({ login: { per_ip: { burst: 60, per_second: 1 }, per_account: { burst: 100000, per_second: 1000 } } });
    const web = byName(merged, "web");
    expect(web.resources.map((r) => r.name)).toEqual(["discovery", "human", "oauth", "compat", "graphql", "assets", "adminapi"]);
    expect(web.binds, "ports and certificate are kept").toEqual(byName(base, "web").binds);
    expect(web.tls).toEqual(byName(base, "web").tls);
    expect(byName(merged, "internal")).toEqual(byName(base, "internal"));
    expect(merged.database, "the database PostgreSQL gave").toEqual(fromParts[0]!.database);
    expect((merged.upstream_oauth2 as { providers: unknown[] }).providers).toHaveLength(1);
    expect(base.account, "the generated config is not changed").toEqual({ login_with_email_allowed: true });
  });

  const bin = process.env.MXACCEPT_MAS_BIN;
  const masShare = process.env.MXACCEPT_MAS_SHARE;
  it.skipIf(!bin || !masShare || !existsSync(bin) || !existsSync(masShare))("MAS itself accepts the generated config and the overlaid one (mas-cli config check; needs MXACCEPT_MAS_BIN and MXACCEPT_MAS_SHARE)", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-mas-config-"));
    const real = masConfig({
      installation: { bin: bin!, share: masShare! }, publicBase: "https://localhost:8443/", publicPort: 8443, internalPort: 8081,
      tls: { cert: join(dir, "none.crt"), key: join(dir, "none.key") }, homeserver: "localhost", homeserverEndpoint: "http://127.0.0.1:8008/",
      homeserverSecret: secrets.homeserver, client: { id: ulid(), secret: secrets.client }, encryption: secrets.encryption, keys: signingKeys(),
    });
    for (const [name, config] of Object.entries({ generated: finalMasConfig(real, fromParts), overlaid: finalMasConfig(real, fromParts, overlay) })) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, stringify(config));
      const r = spawnSync(bin!, ["config", "check", "-c", file], { encoding: "utf8" });
      expect(r.status, `${name}: ${r.stderr}${r.stdout}`).toBe(0);
    }
  });
});

describe("hs1's nginx with MAS", () => {
  const ports = { https: 443, http: 80, client: 8441, admin: 8449, main: 8008, client1: 8010, federation1: 8011, media1: 8012 };
  const conf = nginxConfig({
    dir: "/s/production", ports, tls: { cert: "/s/tls/server.crt", key: "/s/tls/server.key", caCert: "/s/tls/ca.crt" }, serverName: "localhost",
    clientUrl: "https://localhost:8441", maxUploadBytes: 1024, asRoot: false,
    ingress: [{
      routes: [{ name: "mas", paths: COMPAT_PATHS, upstream: { host: "127.0.0.1", port: 8443, tls: true } }],
      clientWellKnown: { "org.matrix.msc2965.authentication": { issuer: "https://localhost:8443/", account: "https://localhost:8443/account/" } },
    }],
  });

  it("sends /login, /logout and /refresh of every version to MAS, verified against the local CA, before Synapse's routes", () => {
    const re = new RegExp(COMPAT_PATHS[0]!);
    for (const p of ["/_matrix/client/v3/login", "/_matrix/client/r0/login", "/_matrix/client/unstable/login", "/_matrix/client/v3/logout", "/_matrix/client/v3/logout/all", "/_matrix/client/v3/refresh", "/_matrix/client/v3/login/sso/redirect"]) expect(p, p).toMatch(re);
    for (const p of ["/_matrix/client/v3/sync", "/_matrix/client/v3/account/whoami", "/_matrix/client/v1/auth_metadata", "/_matrix/client/v3/loginx"]) expect(p, p).not.toMatch(re);
    expect(conf).toContain("upstream mas { server 127.0.0.1:8443; }");
    const route = conf.indexOf("proxy_pass https://mas;");
    expect(route).toBeGreaterThan(0);
    expect(conf.slice(route, conf.indexOf("\n", route))).toContain("proxy_ssl_verify on; proxy_ssl_trusted_certificate /s/tls/ca.crt;");
    expect(route, "before the route of everything else to Synapse").toBeLessThan(conf.indexOf('location ~ "^/(_matrix|_synapse/client|health$)"'));
  });

  it("announces MAS in the client well-known (MSC2965)", () => {
    const wellKnown = /location = \/\.well-known\/matrix\/client .* return 200 '([^']+)'/.exec(conf)![1]!;
    expect(JSON.parse(wellKnown)).toEqual({ "m.homeserver": { base_url: "https://localhost:8441" }, "org.matrix.msc2965.authentication": { issuer: "https://localhost:8443/", account: "https://localhost:8443/account/" } });
  });
});
