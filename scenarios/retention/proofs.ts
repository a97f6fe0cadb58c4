import type { TestInfo } from "@playwright/test";
import { expect, evidence, inconclusive } from "../../fixtures/index.ts";
import type { Profile } from "../../src/config/profile.ts";
import type { Target } from "../../src/config/target.ts";
import { loadHomeserverConfig, checkRetentionConfig, type RetentionConfigVerdict } from "../../src/checks/retention-config.ts";
import { conclusiveness } from "../../src/checks/retention-audit.ts";

/**
 * The proofs a retention check combines (README, "Retention"): live on the embedded reference; config where the
 * instance's homeserver.yaml is known (the embedded instance's own, or MXACCEPT_HOMESERVER_CONFIG); audit on any
 * other target. Every proof attaches its evidence with its kind; a mismatch fails the check with its reason.
 */

/** Rooms / users / remote files a target audit reads at most (the sample size is in the evidence). */
export const AUDIT_SAMPLE = 200;

/**
 * The config proof of one part. Returns whether the configuration was available (then it decides, pass or fail).
 * A mismatch is a soft failure, so the check's live or audit proof still runs and reports.
 */
export async function configProof(testInfo: TestInfo, target: Target, profile: Profile, part: keyof Omit<RetentionConfigVerdict, "seen">, requirement: string): Promise<boolean> {
  if (!target.homeserverConfig) return false;
  const { files, config } = loadHomeserverConfig(target.homeserverConfig);
  const verdict = checkRetentionConfig(config, profile, target.timeScale);
  const reasons = verdict[part].map((f) => f.reason);
  const keys = Object.fromEntries(Object.entries(verdict.seen).filter(([k]) => (part === "messages" ? k.startsWith("retention.") : k === (part === "localMedia" ? "media_retention.local_media_lifetime" : "media_retention.remote_media_lifetime"))));
  await evidence(testInfo, { requirement, proof: "config", files, ...(target.timeScale !== 1 ? { timeScale: target.timeScale } : {}), keys, mismatches: reasons });
  expect.soft(reasons, `homeserver config: ${reasons.join("; ")}`).toEqual([]);
  return true;
}

/**
 * After an audit without violations: decides whether it was conclusive. When it was not and no config proof ran,
 * the check is inconclusive with the way to make it conclusive.
 */
export function auditVerdict(testInfo: TestInfo, oldestTs: number | undefined, limitMs: number, what: string, haveConfig: boolean): ReturnType<typeof conclusiveness> {
  const c = conclusiveness(oldestTs, limitMs, Date.now(), what);
  if (!c.conclusive && !haveConfig) {
    inconclusive(testInfo, `audit inconclusive: ${c.note}; supply the instance's homeserver.yaml (MXACCEPT_HOMESERVER_CONFIG)${c.conclusiveFrom ? ` or run again from ${c.conclusiveFrom}` : ""}`);
  }
  return c;
}

/**
 * The audit's evidence names its proof kind only when the audit decided (conclusive, or a violation found), or when
 * it is all there is (no config proof: the check is then inconclusive, as an audit). An inconclusive audit beside
 * a config proof is kept as evidence without a kind, so the check reads as proven by config, not by the audit.
 */
export function auditProof(conclusive: boolean, violations: number, haveConfig: boolean): { proof: "audit" } | { auditNotConclusive: true } {
  return conclusive || violations > 0 || !haveConfig ? { proof: "audit" } : { auditNotConclusive: true };
}
