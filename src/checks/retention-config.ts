import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { Profile } from "../config/profile.ts";
import { parseDuration, formatDuration } from "../config/duration.ts";
import { UserError } from "../config/errors.ts";

/**
 * Retention proven from the instance's effective configuration (proof kind `config`): Synapse's homeserver.yaml
 * read from a file and compared with the profile's contract figures. Pure rules, unit-tested in both directions.
 *
 * Where the file comes from: the embedded instance's own generated homeserver.yaml; for a target, the files named
 * by MXACCEPT_HOMESERVER_CONFIG (the rendered config an operator exports, e.g. from the deployment's config map).
 * A worker deployment may split its configuration over several files: the key takes a comma-separated list of
 * files and directories (a directory stands for its *.yaml / *.yml files in name order), merged as Synapse merges
 * its `-c` files: in order, a later file's top-level key replaces an earlier one's.
 */

type Mapping = Record<string, unknown>;
const DAY = 86_400_000;

export interface HomeserverConfig {
  files: string[];
  config: Mapping;
}

function isMapping(v: unknown): v is Mapping {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Reads the homeserver configuration named by `spec` (files and directories, comma-separated). */
export function loadHomeserverConfig(spec: string, key = "MXACCEPT_HOMESERVER_CONFIG"): HomeserverConfig {
  const files: string[] = [];
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const p = resolve(part);
    if (!existsSync(p)) throw new UserError(`${key}: ${part} does not exist: name the rendered homeserver.yaml (or a folder of its files).`);
    if (statSync(p).isDirectory()) {
      const inDir = readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(p, f));
      if (!inDir.length) throw new UserError(`${key}: folder ${part} holds no .yaml file: name the rendered homeserver.yaml.`);
      files.push(...inDir);
    } else files.push(p);
  }
  if (!files.length) throw new UserError(`${key} is empty: name the rendered homeserver.yaml.`);
  const config: Mapping = {};
  for (const f of files) {
    let data: unknown;
    try {
      // YAML 1.1, as Synapse reads it (PyYAML): `enabled: yes` is true there.
      data = parse(readFileSync(f, "utf8"), { version: "1.1" });
    } catch (e) {
      throw new UserError(`${key}: ${f} is not valid YAML (${(e as Error).message.split("\n")[0]}): export the rendered file again.`);
    }
    if (data === null || data === undefined) continue;
    if (!isMapping(data)) throw new UserError(`${key}: ${f} is not a YAML mapping of homeserver.yaml keys.`);
    Object.assign(config, data);
  }
  return { files, config };
}

/** One rule of the contract the configuration breaks: the key, its value, the contract's figure. */
export interface ConfigFinding {
  key: string;
  value: unknown;
  contract: string;
  reason: string;
}

export interface RetentionConfigVerdict {
  /** BUM-2.5.messages / VSM-2.2.retention */
  messages: ConfigFinding[];
  /** BUM-2.5.local-media */
  localMedia: ConfigFinding[];
  /** BUM-2.5.remote-media */
  remoteMedia: ConfigFinding[];
  /** The values read, for the evidence (retention keys only: the file holds secrets). */
  seen: Record<string, unknown>;
}

const days = (ms: number) => (ms >= DAY ? `${Math.round((ms / DAY) * 100) / 100} d` : formatDuration(ms));
const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

/** Synapse's parse_duration: an integer is milliseconds, a string takes s m h d w y. Undefined when unset or unreadable. */
function duration(v: unknown): number | undefined | "invalid" {
  if (v === undefined || v === null) return undefined;
  try {
    return parseDuration(v as string | number);
  } catch {
    return "invalid";
  }
}

function get(config: Mapping, path: string): unknown {
  let cur: unknown = config;
  for (const k of path.split(".")) {
    if (!isMapping(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/**
 * The contract's retention rules against a homeserver configuration:
 * - messages: `retention.enabled`; `retention.default_policy.max_lifetime` set and ≤ the contract's lifetime;
 *   the purge jobs (Synapse's default when none are listed: one daily job over every lifetime) include a job whose
 *   range covers the default lifetime and that runs at least daily; `retention.allowed_lifetime_max` set and
 *   ≤ the contract's lifetime (else a room's own `m.room.retention` policy keeps messages longer). With a lower
 *   bound (VSM: content is kept 30 days) the default lifetime and `allowed_lifetime_max` are not shorter.
 * - local media: `media_retention.local_media_lifetime` set and ≤ the contract's local media lifetime.
 * - remote media: `media_retention.remote_media_lifetime` set and ≤ the contract's remote media lifetime.
 */
export function checkRetentionConfig(config: Mapping, profile: Profile, timeScale = 1): RetentionConfigVerdict {
  const c = profile.contract;
  // A time-scaled reference divides the message lifetime by its scale (whole seconds, at least 1 s), as
  // src/stack/generate.ts retentionConfig does; media lifetimes are never scaled.
  const lifetime = Math.max(1000, Math.round(parseDuration(c.messageLifetime) / timeScale / 1000) * 1000);
  // VSM: "stored content kept for 30 days" is a lower bound as well; BuM's "deleted after 1 year" is an upper one.
  const keepAtLeast = profile.id === "vodafone-secure-messenger" ? lifetime : undefined;
  const messages: ConfigFinding[] = [];
  const finding = (list: ConfigFinding[], key: string, value: unknown, contract: string, what: string) =>
    list.push({ key, value, contract, reason: `${key} is ${show(value)}: ${what} (contract: ${contract})` });
  const contractMax = `messages deleted after ${formatDuration(lifetime)} (${days(lifetime)})${timeScale !== 1 ? ` at time scale ${timeScale}` : ""}`;

  const enabled = get(config, "retention.enabled");
  if (enabled !== true) finding(messages, "retention.enabled", enabled, contractMax, "message retention is off, no message is ever deleted");

  const maxKey = "retention.default_policy.max_lifetime";
  const max = duration(get(config, maxKey));
  if (max === undefined) finding(messages, maxKey, undefined, contractMax, "rooms without their own policy keep messages forever");
  else if (max === "invalid") finding(messages, maxKey, get(config, maxKey), contractMax, "not a duration Synapse accepts");
  else {
    if (max > lifetime) finding(messages, maxKey, get(config, maxKey), contractMax, `messages are kept ${days(max)}, longer than the contract's ${days(lifetime)}`);
    if (keepAtLeast !== undefined && max < keepAtLeast) finding(messages, maxKey, get(config, maxKey), `content kept ${days(keepAtLeast)}`, `messages are deleted after ${days(max)}, before the contract's ${days(keepAtLeast)}`);
  }

  const allowedKey = "retention.allowed_lifetime_max";
  const allowed = duration(get(config, allowedKey));
  if (allowed === undefined) finding(messages, allowedKey, undefined, contractMax, "a room's own m.room.retention policy may keep messages longer than the contract");
  else if (allowed === "invalid") finding(messages, allowedKey, get(config, allowedKey), contractMax, "not a duration Synapse accepts");
  else {
    if (allowed > lifetime) finding(messages, allowedKey, get(config, allowedKey), contractMax, `a room's own policy may keep messages ${days(allowed)}`);
    if (keepAtLeast !== undefined && allowed < keepAtLeast) finding(messages, allowedKey, get(config, allowedKey), `content kept ${days(keepAtLeast)}`, `every room's messages are purged after ${days(allowed)} at the latest, before the contract's ${days(keepAtLeast)}`);
  }

  // Purge jobs: none listed means Synapse's default, one job every day over every lifetime (synapse/config/retention.py).
  const jobsKey = "retention.purge_jobs";
  const rawJobs = get(config, jobsKey);
  const jobs = Array.isArray(rawJobs) && rawJobs.length ? rawJobs : [{ interval: "1d" }];
  if (typeof max === "number") {
    const covering = jobs.filter((j) => {
      if (!isMapping(j)) return false;
      const lo = duration(j.shortest_max_lifetime);
      const hi = duration(j.longest_max_lifetime);
      if (lo === "invalid" || hi === "invalid") return false;
      return (lo === undefined || max > lo) && (hi === undefined || max <= hi);
    });
    const daily = covering.filter((j) => {
      const iv = duration((j as Mapping).interval);
      return typeof iv === "number" && iv > 0 && iv <= DAY;
    });
    if (!covering.length) finding(messages, jobsKey, rawJobs, contractMax, `no purge job covers the default lifetime ${days(max)}, so rooms without their own policy are never purged`);
    else if (!daily.length) finding(messages, `${jobsKey}[].interval`, covering.map((j) => (j as Mapping).interval), `${contractMax}, purged at least daily`, "the purge job covering the default lifetime runs less often than daily");
  }

  const localMedia: ConfigFinding[] = [];
  const remoteMedia: ConfigFinding[] = [];
  for (const [list, key, contract, what] of [
    [localMedia, "media_retention.local_media_lifetime", c.localMediaLifetime, "files sent within the instance"],
    [remoteMedia, "media_retention.remote_media_lifetime", c.remoteMediaLifetime, "files received from federated instances"],
  ] as const) {
    const limit = parseDuration(contract);
    const text = `${what} deleted after ${formatDuration(limit)} (${days(limit)})`;
    const raw = get(config, key);
    const v = duration(raw);
    if (v === undefined) finding(list, key, raw, text, "such files are never deleted");
    else if (v === "invalid") finding(list, key, raw, text, "not a duration Synapse accepts");
    else if (v > limit) finding(list, key, raw, text, `such files are kept ${days(v)}`);
  }

  const seen: Record<string, unknown> = {
    "retention.enabled": enabled,
    [maxKey]: get(config, maxKey),
    [allowedKey]: get(config, allowedKey),
    "retention.allowed_lifetime_min": get(config, "retention.allowed_lifetime_min"),
    [jobsKey]: rawJobs ?? "unset (Synapse's default: one daily job over every lifetime)",
    "media_retention.local_media_lifetime": get(config, "media_retention.local_media_lifetime"),
    "media_retention.remote_media_lifetime": get(config, "media_retention.remote_media_lifetime"),
  };
  return { messages, localMedia, remoteMedia, seen };
}
