import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestInfo } from "@playwright/test";
import { test, expect, evidence } from "../../fixtures/index.ts";
import type { Profile } from "../../src/config/profile.ts";
import type { Deployment } from "../../src/matrix/deployment.ts";
import type { Users, Rooms } from "../../fixtures/index.ts";
import { scaled } from "../../src/matrix/timeouts.ts";
import { runProber } from "../../src/load/probe.ts";
import { readProbeLog } from "../../src/load/probe-log.ts";
import { stateFileFor } from "../../src/load/probe-session.ts";
import { computeSla, monthInterval, monthOf, MINUTE_MS } from "../../src/report/sla.ts";

/**
 * The availability canary over a short window: the same prober `mxaccept probe` runs (encrypted message in a
 * direct chat, received and decrypted on the second account's sync within a deadline), a fixed number of probes
 * at a short interval, then the contract's arithmetic over what was observed. The count is fixed, not the window:
 * on a slow instance or a loaded machine the probes take longer and are reported late with their latency; the
 * check fails only when a probe does not deliver (an error, or nothing within the generous deadline, which scales
 * with MXACCEPT_TIMEOUT_FACTOR). A month cannot be observed in a run: the
 * monthly verdict comes from `mxaccept sla` over a month of probes, so the requirement is reported manual with
 * this run's figures as evidence, and fails when the canary fails.
 */
const PROBES = 5;
const INTERVAL_MS = 1000;
/** A probe slower than this is reported late (with its latency); it fails only past `deadlineMs()`. */
const lateMs = () => scaled(10_000);
/** Per probe: a message not decrypted on the receiver's sync within this did not arrive. */
const deadlineMs = () => scaled(30_000);

async function canary(requirement: string, ctx: { deployment: Deployment; profile: Profile; users: Users; rooms: Rooms; tag: string; runId: string; reportDir: string }, testInfo: TestInfo) {
  const out = testInfo.outputPath("probes.jsonl");
  // The canary's two accounts and their encrypted direct chat, made by the run's fixtures (so the run removes them).
  const sender = await ctx.users.create("canary-sender");
  const receiver = await ctx.users.create("canary-receiver");
  const roomId = await ctx.rooms.plain(sender, {
    preset: "trusted_private_chat", is_direct: true, invite: [receiver.userId], name: `${ctx.tag} canary`,
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  let summary: Awaited<ReturnType<typeof runProber>>;
  try {
    summary = await runProber({
      deployment: ctx.deployment,
      out,
      intervalMs: INTERVAL_MS,
      count: PROBES,
      // Not a window: only a bound in case every probe runs into its deadline.
      durationMs: PROBES * (deadlineMs() + INTERVAL_MS),
      deadlineMs: deadlineMs(),
      identity: { runId: ctx.runId, sender, receiver, roomId },
    });
  } finally {
    // The prober's resume state holds the canary users' passwords and tokens: never leave it in the report folder.
    rmSync(stateFileFor(out), { force: true });
  }
  const { probes } = readProbeLog(out);
  // The observed window as a figure of the acceptance record (src/report/figures.ts).
  mkdirSync(join(ctx.reportDir, "figures"), { recursive: true });
  writeFileSync(join(ctx.reportDir, "figures", `availability-${requirement}.json`), JSON.stringify({
    kind: "availability",
    title: { de: `Verfügbarkeitsproben (${requirement}, beobachtetes Fenster)`, en: `Availability probes (${requirement}, observed window)` },
    target: ctx.profile.contract.availabilityTarget,
    probes: probes.map((p) => ({ t: p.ts, ok: p.ok, latencyMs: p.latencyMs, ...(p.error ? { error: p.error } : {}) })),
  }));
  expect(probes.length, `the canary ran its ${PROBES} probes (${probes.length} logged)`).toBeGreaterThanOrEqual(3);
  const failed = probes.filter((p) => !p.ok);
  const late = probes.filter((p) => p.ok && p.latencyMs > lateMs());
  const lateNote = late.length > 0 ? `; ${late.length} delivered late (over ${lateMs()} ms): ${late.map((p) => `${p.latencyMs} ms`).join(", ")}` : "";
  expect(failed, `every probe delivered its message end to end: ${failed.map((p) => `${p.error} ${String((p as { detail?: string }).detail ?? "")}`).join("; ")}`).toEqual([]);

  const target = ctx.profile.contract.availabilityTarget;
  const start = Date.parse(probes[0]!.ts);
  const end = Date.parse(probes[probes.length - 1]!.ts) + INTERVAL_MS;
  const window = computeSla({ probes, period: { start, end }, target, bucketMs: 1000, now: end });

  const month = monthOf(start);
  const budget = computeSla({ probes: [], period: monthInterval(month), target, now: 0 }).budgetBuckets;
  const latencies = probes.map((p) => p.latencyMs).sort((a, b) => a - b);
  testInfo.annotations.push({
    type: "manual",
    description: `monthly availability cannot be observed in one run: the canary worked end to end (${probes.length}/${probes.length} probes${lateNote}); run 'mxaccept probe' over the month and take the verdict from 'mxaccept sla --month ${month}'`,
  });
  await evidence(testInfo, {
    requirement,
    observed: {
      from: new Date(start).toISOString(), to: new Date(end).toISOString(), intervalMs: INTERVAL_MS, probes: probes.length, failures: failed.length,
      latencyMs: { min: latencies[0], median: latencies[Math.floor(latencies.length / 2)], max: latencies[latencies.length - 1] },
      late: { overMs: lateMs(), probes: late.map((p) => ({ at: p.ts, latencyMs: p.latencyMs })) },
      deadlineMs: deadlineMs(),
      availability: window.availability, room: summary.roomId,
    },
    monthly: {
      status: "pending",
      note: "a calendar month cannot be observed in one run: these figures cover only the observed window; the monthly verdict is mxaccept sla over a month of canary probes",
      target,
      month,
      errorBudgetMinutes: budget,
      how: `mxaccept probe --target F.env --interval 60s --duration 31d --out probes.jsonl; mxaccept sla --probes probes.jsonl --month ${month} --maintenance calendar.yaml --profile ${ctx.profile.id}`,
      bucketMinutes: MINUTE_MS / 60_000,
    },
  });
}

test("BUM-3.2.7 the availability canary delivers an encrypted direct message to the second account on every probe; the monthly 99.9 % verdict comes from mxaccept sla", async ({ deployment, profile, users, rooms, tag, ctx }, testInfo) => {
  await canary("BUM-3.2.7", { deployment, profile, users, rooms, tag, runId: ctx.runId, reportDir: ctx.reportDir }, testInfo);
});

test("VSM-3.1 the availability canary delivers an encrypted direct message to the second account on every probe; the monthly 97 % verdict comes from mxaccept sla", async ({ deployment, profile, users, rooms, tag, ctx }, testInfo) => {
  await canary("VSM-3.1", { deployment, profile, users, rooms, tag, runId: ctx.runId, reportDir: ctx.reportDir }, testInfo);
});
