import type { Profile } from "../config/profile.ts";
import { parseDuration } from "../config/duration.ts";
import { retentionConfig } from "../stack/generate.ts";

/**
 * The retention arithmetic the checks use. Live (a time-scaled reference instance): the lifetime and purge
 * interval the instance was configured with. Audit (any target at scale 1): the contract's lifetime plus one
 * purge interval (Synapse's default: one day) is the oldest a message may be while still stored.
 */
export interface RetentionPlan {
  mode: "live" | "audit";
  lifetimeMs: number;
  purgeIntervalMs: number;
  /** A message older than this is a violation in an audit. */
  auditLimitMs: number;
}

export function retentionPlan(profile: Profile, timeScale: number): RetentionPlan {
  const cfg = retentionConfig(profile, timeScale).retention as { default_policy: { max_lifetime: string }; purge_jobs: { interval: string }[] };
  const lifetimeMs = parseDuration(cfg.default_policy.max_lifetime);
  const purgeIntervalMs = parseDuration(cfg.purge_jobs[0]!.interval);
  return { mode: timeScale > 1 ? "live" : "audit", lifetimeMs, purgeIntervalMs, auditLimitMs: lifetimeMs + purgeIntervalMs };
}

export interface StoredMessage {
  roomId: string;
  eventId: string;
  ts: number;
  latestInRoom: boolean;
}

export interface AuditFinding extends StoredMessage {
  ageMs: number;
}

/**
 * Messages stored longer than the limit. Synapse never deletes the latest event of a room (it hides it from
 * clients instead): such events are listed apart as `keptLatest`, not as violations.
 */
export function auditMessages(messages: StoredMessage[], limitMs: number, now: number): { violations: AuditFinding[]; keptLatest: AuditFinding[] } {
  const old = messages.map((m) => ({ ...m, ageMs: now - m.ts })).filter((m) => m.ageMs > limitMs);
  return { violations: old.filter((m) => !m.latestInRoom), keptLatest: old.filter((m) => m.latestInRoom) };
}
