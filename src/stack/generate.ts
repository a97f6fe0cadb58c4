import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import type { Profile } from "../config/profile.ts";
import { parseDuration, formatDuration } from "../config/duration.ts";
import { projectRoot } from "../config/paths.ts";
import { deepMerge, type Yamlish } from "./overlay.ts";

/**
 * The one config generator of the reference instance: profile + layout → homeserver.yaml of hs1, hs2, hs3.
 * Both launchers (native here, compose via docker-compose.yml) take their configuration from this module.
 */

export const ROLES = ["hs1", "hs2", "hs3"] as const;
export type Role = (typeof ROLES)[number];

export interface ServerLayout {
  port: number;
  /** Folder of this server's data: database, media, signing key, logs. */
  dir: string;
  secrets: { registration: string; macaroon: string; form: string };
  /**
   * Where the server is reached from outside when that is not `https://host:port` (the production topology: a
   * server name without a port, delegated through `.well-known`, and a client API on nginx).
   */
  public?: { serverName: string; baseUrl: string };
}

export interface StackLayout {
  host: string; // "localhost"
  servers: Record<Role, ServerLayout>;
  /** trustBundle: the system's CAs plus the local CA, for the parts' own outbound TLS (SSL_CERT_FILE). */
  tls: { caCert: string; cert: string; key: string; trustBundle?: string };
  /** Every contractual lifetime is divided by this, so expiry can be observed live. 1 = contract durations. */
  timeScale: number;
  /** Per-user storage quotas are divided by this, so quota tests do not write gigabytes. 1 = the contract. */
  sizeScale: number;
  /** Replaces the contract's group size limit (a smaller limit proves the same rule faster); unset = the contract. */
  groupSizeLimit?: number;
}

export function serverName(layout: StackLayout, role: Role): string {
  return layout.servers[role].public?.serverName ?? `${layout.host}:${layout.servers[role].port}`;
}

export function baseUrl(layout: StackLayout, role: Role): string {
  return layout.servers[role].public?.baseUrl ?? `https://${layout.host}:${layout.servers[role].port}`;
}

/**
 * hs1 (customer) and hs2 (partner) allow each other; hs3 (outsider) has no allowlist, hs1 and hs2 refuse it.
 * With cross-tenant communication off (VSM: hs1 and hs2 are two tenants of one instance) each of hs1 and hs2
 * allows only itself, until the tenant admin enables the partner (src/stack/reconfigure.ts).
 */
export function federationAllowlist(layout: StackLayout, role: Role, crossTenant: "off" | "on" = "on"): string[] | undefined {
  if (role === "hs3") return undefined;
  if (crossTenant === "off") return [serverName(layout, role)];
  return [serverName(layout, "hs1"), serverName(layout, "hs2")];
}

/**
 * Retention of the profile, scaled for live-expiry tests: message lifetime = contract / timeScale, rounded to
 * whole seconds (at least 1 s); message purge interval = min(message lifetime / 10, 20 s), at least 1 s (Synapse
 * runs the first purge one interval after start). The short interval is the reference's own choice at every
 * scale, also 1, so that the live checks see the purge within seconds; the lifetimes are the contract's. Media
 * lifetimes stay as contracted: media tests backdate media instead of waiting, and only the media check period
 * is shortened (see mediaRetentionClock).
 */
export const REFERENCE_PURGE_INTERVAL_MAX_MS = 20_000;

export function retentionConfig(profile: Profile, timeScale: number): { retention: Yamlish; media_retention: Yamlish } {
  const scale = (d: string | number) => Math.max(1000, Math.round(parseDuration(d) / timeScale / 1000) * 1000);
  const messages = scale(profile.contract.messageLifetime);
  const contract = (d: string | number) => formatDuration(parseDuration(d));
  const interval = Math.max(1000, Math.round(Math.min(REFERENCE_PURGE_INTERVAL_MAX_MS, messages / 10) / 1000) * 1000);
  return {
    retention: {
      enabled: true,
      default_policy: { max_lifetime: formatDuration(messages) },
      allowed_lifetime_max: formatDuration(messages),
      purge_jobs: [{ interval: formatDuration(interval) }],
    },
    media_retention: {
      local_media_lifetime: contract(profile.contract.localMediaLifetime),
      remote_media_lifetime: contract(profile.contract.remoteMediaLifetime),
    },
  };
}

/**
 * A per-user storage limit (VSM: 1 GB per user), enforced with Synapse's media_upload_limits: the sum of a
 * user's uploads over the contract's media lifetime (older media is deleted anyway) may not pass
 * storagePerUser / sizeScale. Pooled storage (BuM) has no such limit.
 */
export function storageLimitConfig(profile: Profile, sizeScale: number): Yamlish {
  if (!profile.contract.perUserStorageLimit) return {};
  const maxBytes = Math.floor((profile.contract.storagePerUserGiB * 1024 ** 3) / sizeScale);
  return { media_upload_limits: [{ time_period: formatDuration(parseDuration(profile.contract.localMediaLifetime)), max_size: maxBytes }] };
}

/** Synapse checks media retention hourly (a constant). */
export const MEDIA_RETENTION_CHECK_MS = 3_600_000;
/** The reference runs the same job at least this often at every scale (also 1), so live checks see it in seconds. */
export const REFERENCE_MEDIA_CHECK_MAX_MS = 10_000;

/** How often the reference runs Synapse's media retention job: min(1 h / timeScale, 10 s), at least every second. */
export function mediaRetentionPeriodMs(timeScale: number): number {
  return Math.max(1000, Math.min(REFERENCE_MEDIA_CHECK_MAX_MS, Math.round(MEDIA_RETENTION_CHECK_MS / timeScale)));
}

/** The reference's media retention clock: Synapse's own job every mediaRetentionPeriodMs(timeScale). */
export function mediaRetentionClock(timeScale: number): Yamlish[] {
  return [{ module: "mxaccept_media_retention_clock.MediaRetentionClock", config: { period_ms: mediaRetentionPeriodMs(timeScale) } }];
}

/**
 * hs1 only: the backdating endpoint the retention suite uses to make a message a lifetime old at time scale 1
 * (stack/modules/mxaccept_backdate.py; admins only). It changes stored timestamps; hiding and purging are Synapse's.
 */
export function backdateModule(role: Role): Yamlish[] {
  return role === "hs1" ? [{ module: "mxaccept_backdate.Backdate", config: {} }] : [];
}

/**
 * The group size limit of the contract (VSM: 1,250 members), enforced by stack/modules/mxaccept_group_size_limit.py
 * (vanilla Synapse has no such limit). `layout.groupSizeLimit` replaces the contract's number (--group-limit N, so
 * `npm test` can prove the limit at a smaller size).
 */
export function groupSizeLimitModule(profile: Profile, layout: StackLayout): Yamlish[] {
  const max = layout.groupSizeLimit ?? profile.contract.groupSizeLimit;
  if (!profile.contract.groupSizeLimit || !max) return [];
  return [{ module: "mxaccept_group_size_limit.GroupSizeLimit", config: { max_members: max } }];
}

export function loadBaseTemplate(): Yamlish {
  return parse(readFileSync(join(projectRoot(), "stack", "homeserver.base.yaml"), "utf8")) as Yamlish;
}

export function logConfig(dir: string): Yamlish {
  return {
    version: 1,
    formatters: { precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s" } },
    handlers: {
      file: {
        class: "logging.handlers.RotatingFileHandler",
        formatter: "precise",
        filename: join(dir, "homeserver.log"),
        maxBytes: 20_000_000,
        backupCount: 2,
        encoding: "utf8",
      },
    },
    loggers: { "synapse.storage.SQL": { level: "WARNING" }, twisted: { level: "WARNING" } },
    root: { level: "INFO", handlers: ["file"] },
    disable_existing_loggers: false,
  };
}

/** The homeserver.yaml of one server, before any overlay. */
export function generateHomeserver(profile: Profile, layout: StackLayout, role: Role, base: Yamlish = loadBaseTemplate()): Yamlish {
  const s = layout.servers[role];
  const name = serverName(layout, role);
  const allow = federationAllowlist(layout, role, profile.reference.crossTenant);
  const modules = [...mediaRetentionClock(layout.timeScale), ...backdateModule(role), ...groupSizeLimitModule(profile, layout)];
  const perServer: Yamlish = {
    server_name: name,
    public_baseurl: `${baseUrl(layout, role)}/`,
    pid_file: join(s.dir, "homeserver.pid"),
    signing_key_path: join(s.dir, "signing.key"),
    media_store_path: join(s.dir, "media"),
    log_config: join(s.dir, "log.yaml"),
    database: { name: "sqlite3", args: { database: join(s.dir, "homeserver.db") } },
    listeners: [
      {
        port: s.port,
        bind_addresses: ["127.0.0.1"],
        type: "http",
        tls: true,
        x_forwarded: false,
        resources: [{ names: ["client", "federation"], compress: false }],
      },
    ],
    tls_certificate_path: layout.tls.cert,
    tls_private_key_path: layout.tls.key,
    federation_custom_ca_list: [layout.tls.caCert],
    registration_shared_secret: s.secrets.registration,
    macaroon_secret_key: s.secrets.macaroon,
    form_secret: s.secrets.form,
    max_upload_size: profile.contract.maxUploadSize,
    ...(allow ? { federation_domain_whitelist: allow } : {}),
    ...retentionConfig(profile, layout.timeScale),
    ...storageLimitConfig(profile, layout.sizeScale),
    ...(modules.length ? { modules } : {}),
  };
  return deepMerge(deepMerge(base, profile.reference.homeserver), perServer);
}

/**
 * The homeserver.yaml one server runs with: the generated config, then each extra (settings of --with parts,
 * then the --overlay) deep-merged in order. Both launchers (native.ts, compose.ts) write exactly this.
 */
export function serverConfig(profile: Profile, layout: StackLayout, role: Role, extras: (Yamlish | undefined)[] = []): Yamlish {
  let config = generateHomeserver(profile, layout, role);
  for (const extra of extras) if (extra) config = deepMerge(config, extra);
  return config;
}

/** Ed25519 signing key in Synapse's file format: "ed25519 <version> <unpadded base64 seed>". */
export function signingKey(): string {
  return `ed25519 a_${randomBytes(3).toString("hex")} ${randomBytes(32).toString("base64").replace(/=+$/, "")}\n`;
}
