import { test, expect, evidence } from "../../fixtures/index.ts";
import type { Profile } from "../../src/config/profile.ts";
import type { Target } from "../../src/config/target.ts";
import { publicEndpoints } from "../../src/security/endpoints.ts";
import { tlsVersions, verifyChain, plainHttp, hsts, MODERN, HSTS_MIN_AGE_S, type Endpoint } from "../../src/security/transport.ts";

/**
 * Transport of every endpoint the target names, probed on the wire: TLS versions (each pinned in turn), the
 * chain against the trust store in force (system store + MXACCEPT_CA_FILE), the host name in the certificate,
 * plain HTTP on the same host, and HSTS where the profile asks for it. Each test collects every finding, so the
 * report lists all problems at once.
 */

async function probe(e: Endpoint, profile: Profile, opts: { plain: boolean }): Promise<{ findings: Record<string, unknown>; problems: string[] }> {
  const problems: string[] = [];
  if (!e.url.startsWith("https://")) return { findings: { ...e }, problems: [`${e.role} ${e.url} is not an https URL`] };
  const versions = await tlsVersions(e.url);
  const old = versions.accepted.filter((v) => !MODERN.includes(v));
  if (old.length) problems.push(`${e.role} ${e.url} accepts ${old.join(", ")}`);
  if (!versions.accepted.some((v) => MODERN.includes(v))) problems.push(`${e.role} ${e.url} accepts neither TLS 1.2 nor 1.3 (${JSON.stringify(versions.refused)})`);
  const chain = await verifyChain(e.url);
  if (!chain.verified) problems.push(`${e.role} ${e.url}: certificate chain does not verify against the trust store (${chain.error})`);
  if (!chain.namesHost) problems.push(`${e.role} ${e.url}: certificate does not name the host (${chain.error})`);
  const findings: Record<string, unknown> = { ...e, tlsAccepted: versions.accepted, tlsRefused: versions.refused, chain };
  if (opts.plain) {
    const plain = await plainHttp(e.url);
    findings.plainHttp = plain;
    if (plain.outcome === "served") problems.push(`${e.role}: plain HTTP ${plain.url} is served (${plain.detail}), not refused or redirected to https`);
  }
  if (profile.contract.hstsRequired) {
    const h = await hsts(e.url);
    findings.hsts = h;
    if (!h.maxAge || h.maxAge < HSTS_MIN_AGE_S) problems.push(`${e.role} ${e.url}: no Strict-Transport-Security with max-age >= ${HSTS_MIN_AGE_S} (${h.header ?? "none"})`);
  }
  return { findings, problems };
}

async function probeAll(target: Target, profile: Profile, opts: { plain: boolean }) {
  const { endpoints, leftOut } = await publicEndpoints(target);
  const results = [];
  for (const e of endpoints) results.push(await probe(e, profile, opts));
  return { endpoints, leftOut, findings: results.map((r) => r.findings), problems: results.flatMap((r) => r.problems) };
}

test("BUM-5.3.e every endpoint offers only TLS 1.2 or newer, and its certificate chain verifies against the trust store in force and names the host", async ({ target, profile }, testInfo) => {
  const { endpoints, leftOut, findings, problems } = await probeAll(target, profile, { plain: false });
  await evidence(testInfo, { requirement: "BUM-5.3.e", trustStore: target.caFile ? `system store + ${target.caFile}` : "system store", hstsRequired: profile.contract.hstsRequired, endpoints: findings, ...(leftOut.length ? { leftOut } : {}) });
  expect(endpoints.length).toBeGreaterThanOrEqual(1);
  expect(problems, `transport problems: ${problems.join("; ")}`).toEqual([]);
});

test("VSM-2.2.tls transport always encrypted: every endpoint speaks only TLS 1.2 or newer with a verifying chain, plain HTTP is refused or redirected", async ({ target, profile }, testInfo) => {
  const { leftOut, findings, problems } = await probeAll(target, profile, { plain: true });
  await evidence(testInfo, { requirement: "VSM-2.2.tls", trustStore: target.caFile ? `system store + ${target.caFile}` : "system store", hstsRequired: profile.contract.hstsRequired, endpoints: findings, ...(leftOut.length ? { leftOut } : {}) });
  expect(problems, `transport problems: ${problems.join("; ")}`).toEqual([]);
});
