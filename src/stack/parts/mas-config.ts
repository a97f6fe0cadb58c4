import { existsSync } from "node:fs";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../../config/errors.ts";
import { deepMerge, MAS_LIST_KEYS, type Yamlish } from "../overlay.ts";

/**
 * The generated configuration of the Matrix Authentication Service beside hs1 (`--with mas`, src/stack/parts/mas.ts),
 * as pure functions: which binary and share folder the user named, the config file's settings (keys checked against
 * MAS 1.7.0's `mas-cli config generate` and docs/reference/configuration.md), IDs and secrets.
 *
 * MAS is in no registry here: the project never builds it. The user names their own build like MXACCEPT_K6 names
 * a k6 binary: MXACCEPT_MAS_BIN (the mas-cli binary) and MXACCEPT_MAS_SHARE (its share folder).
 */

export interface MasInstallation {
  bin: string;
  share: string;
}

/** What MAS's share folder holds (the frontend build, the policy bundle, templates and translations). */
export const SHARE_ITEMS = ["templates", "translations", "assets", "manifest.json", "policy.wasm"] as const;

/** The user's MAS build, from the environment; a one-line UserError naming the variable to set when it is missing. */
export function masInstallation(env: NodeJS.ProcessEnv = process.env): MasInstallation {
  const share = `its share folder (${SHARE_ITEMS.slice(0, 3).map((s) => `${s}/`).join(", ")}, ${SHARE_ITEMS.slice(3).join(", ")})`;
  const bin = env.MXACCEPT_MAS_BIN;
  if (!bin) throw new UserError(`--with mas runs a Matrix Authentication Service you built yourself (it is in no registry): set MXACCEPT_MAS_BIN to your mas-cli binary and MXACCEPT_MAS_SHARE to ${share}.`);
  if (!existsSync(bin)) throw new UserError(`MXACCEPT_MAS_BIN=${bin} does not exist: set MXACCEPT_MAS_BIN to your mas-cli binary.`);
  const dir = env.MXACCEPT_MAS_SHARE;
  if (!dir) throw new UserError(`--with mas needs MAS's share folder: set MXACCEPT_MAS_SHARE to ${share}.`);
  if (!existsSync(dir)) throw new UserError(`MXACCEPT_MAS_SHARE=${dir} does not exist: set MXACCEPT_MAS_SHARE to ${share}.`);
  const missing = SHARE_ITEMS.find((i) => !existsSync(join(dir, i)));
  if (missing) throw new UserError(`MXACCEPT_MAS_SHARE=${dir} has no ${missing}: set MXACCEPT_MAS_SHARE to ${share}.`);
  return { bin, share: dir };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID (what MAS wants as a client or provider id): 48 bits of milliseconds, 80 random bits, Crockford base32. */
export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const rand = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]!).join("");
  return time + rand;
}

/** MAS's signing keys: an RSA key (MAS needs one to work properly) and an EC P-256 key, PEM, made with node:crypto. */
export function signingKeys(): string[] {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
  return [rsa, ec];
}

/**
 * The paths of the Matrix client-server API that MAS's `compat` resource serves (docs/setup/reverse-proxy.md):
 * `/_matrix/client/*\/login`, `/logout`, `/refresh`, every version (r0, v3, unstable) and their sub-paths
 * (`/login/sso/redirect`, `/logout/all`).
 */
export const COMPAT_PATHS = ["^/_matrix/client/[^/]+/(login|logout|refresh)(/.*)?$"];

export interface MasConfigInput {
  installation: MasInstallation;
  /** MAS's public https URL (issuer and public_base), with a trailing slash. */
  publicBase: string;
  publicPort: number;
  internalPort: number;
  tls: { cert: string; key: string };
  /** hs1's server name and the URL MAS reaches Synapse at (its main process, internal). */
  homeserver: string;
  homeserverEndpoint: string;
  /** Shared between MAS and Synapse (`matrix.secret` / `matrix_authentication_service.secret`). */
  homeserverSecret: string;
  /** The harness's confidential client (client_credentials, listed in policy.data.admin_clients). */
  client: { id: string; secret: string };
  encryption: string;
  keys: string[];
}

/** The config MAS runs with, before what other parts contribute (database, upstream providers) and --overlay-mas. */
export function masConfig(o: MasConfigInput): Yamlish {
  const share = o.installation.share;
  return {
    http: {
      public_base: o.publicBase,
      issuer: o.publicBase,
      trusted_proxies: ["127.0.0.1/8", "::1/128"],
      listeners: [
        {
          // What browsers and clients reach: https with the stack's certificate (local CA).
          name: "web",
          resources: [{ name: "discovery" }, { name: "human" }, { name: "oauth" }, { name: "compat" }, { name: "graphql" }, { name: "assets", path: `${join(share, "assets")}/` }],
          binds: [{ address: `127.0.0.1:${o.publicPort}` }],
          tls: { certificate_file: o.tls.cert, key_file: o.tls.key },
        },
        {
          // Internal (loopback, plain http): the admin API, health, and what Synapse asks (discovery, introspection).
          name: "internal",
          resources: [{ name: "discovery" }, { name: "oauth" }, { name: "adminapi" }, { name: "health" }],
          binds: [{ address: `127.0.0.1:${o.internalPort}` }],
        },
      ],
    },
    secrets: { encryption: o.encryption, keys: o.keys.map((key) => ({ key })) },
    passwords: { enabled: true },
    // The contract's e-mail login (VSM-7).
    account: { login_with_email_allowed: true },
    // A conforming login limiter (SEC-bruteforce): an account is throttled after 5 wrong passwords whatever the
    // address (MAS's default per account is 1800 at once, which no guesser reaches); per address lifted enough
    // that the run's own logins from one address pass.
    rate_limiting: { login: { per_ip: { burst: 60, per_second: 1 }, per_account: { burst: 5, per_second: 0.05 } } },
    matrix: { kind: "synapse", homeserver: o.homeserver, endpoint: o.homeserverEndpoint, secret: o.homeserverSecret },
    templates: { path: join(share, "templates"), assets_manifest: join(share, "manifest.json"), translations_path: join(share, "translations") },
    policy: { wasm_module: join(share, "policy.wasm"), data: { admin_clients: [o.client.id] } },
    clients: [{ client_id: o.client.id, client_auth_method: "client_secret_post", client_secret: o.client.secret }],
    email: { transport: "blackhole" },
  };
}

/**
 * The generated config, then what other parts contribute, then the user's --overlay-mas: the merge of --overlay,
 * with MAS's named lists (listeners and their resources by `name`, clients by `client_id`, providers by `id`)
 * merged item by item.
 */
export function finalMasConfig(base: Yamlish, contributions: Yamlish[], overlay?: Yamlish): Yamlish {
  let config = base;
  for (const c of contributions) config = deepMerge(config, c, MAS_LIST_KEYS);
  return overlay ? deepMerge(config, overlay, MAS_LIST_KEYS) : config;
}

/** A fresh encryption secret (32 bytes, hex) and shared secrets. */
export function masSecrets(): { encryption: string; homeserver: string; client: string } {
  return { encryption: randomBytes(32).toString("hex"), homeserver: randomBytes(24).toString("base64url"), client: randomBytes(24).toString("base64url") };
}
