import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { masTitle, noMas } from "./helpers/mas-build.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * The checks whose meaning changes where login is delegated, in both directions on a real Matrix Authentication
 * Service beside the reference (`--topology production --with mas`, the user's own MAS build named by
 * MXACCEPT_MAS_BIN and MXACCEPT_MAS_SHARE), at time scale 1, with the Vodafone profile (it holds VSM-7 and every
 * security id). The conforming set-up is the reference's MAS config (e-mail login on, 5 wrong passwords per
 * account, the admin API on an internal listener); each `--overlay-mas` breaks one requirement:
 * - `account.login_with_email_allowed: false` fails VSM-7 (e-mail login);
 * - the per-account login limit lifted fails SEC-bruteforce as a limiter of the address only;
 * - MAS's admin API on its public listener fails SEC-admin-surface;
 * - `passwords.enabled: false`: the client suites still run (users get personal sessions) and the run says so.
 */
const title = masTitle("checks under delegated login (a real MAS beside the reference)");

async function runMas(suites: string, overlayMas?: string, extra: string[] = []): Promise<{ code: number; results: Results; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mxa-mas-run-"));
  const args = ["run", "--topology", "production", "--with", "mas", "--suite", suites, "--profile", "vodafone-secure-messenger", ...extra];
  if (overlayMas) {
    writeFileSync(join(dir, "mas-overlay.yaml"), overlayMas);
    args.push("--overlay-mas", join(dir, "mas-overlay.yaml"));
  }
  const run = await mxaccept(args, { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") }, 600_000);
  const [runId] = existsSync(join(dir, "reports")) ? readdirSync(join(dir, "reports")) : [];
  if (!runId) throw new Error(`the run wrote no report (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  return { code: run.code, results: JSON.parse(readFileSync(join(dir, "reports", runId, "results.json"), "utf8")) as Results, stderr: run.stderr };
}

const req = (r: Results, id: string) => r.requirements.find((q) => q.id === id)!;
const statuses = (r: Results) => Object.fromEntries(r.requirements.filter((q) => q.status !== "skipped" || q.tests.some((t) => t.status !== "skipped")).map((q) => [q.id, q.status]));

describe.skipIf(noMas)(title, () => {
  let conforming: Results;

  it("the conforming MAS: users come from MAS, e-mail login and the admin surfaces pass; SEC-bruteforce proves the account's throttle but fails for MAS's 429 without retry_after_ms", { timeout: 700_000 }, async () => {
    const r = await runMas("messaging,security");
    conforming = r.results;
    expect(r.stderr).toMatch(/delegated to https:\/\/localhost:\d+\/ \(MSC3861\): the run makes its users and its admin through the MAS admin API/);
    expect(r.stderr).toMatch(/test users on localhost: the MAS admin API .*later logins use MAS's compatibility password login/);
    for (const id of ["VSM-7", "VSM-2.2.e2ee", "SEC-admin-surface", "SEC-anonymous"]) expect(req(conforming, id).status, `${id}: ${req(conforming, id).reason ?? ""}`).toBe("passed");
    const brute = req(conforming, "SEC-bruteforce");
    expect(brute.status).toBe("failed");
    expect(brute.reason).toMatch(/the 429 says when to retry: retry_after_ms/);
    expect(JSON.stringify(brute.evidence)).toMatch(/"verdict":"per-account"/);
    expect(JSON.stringify(req(conforming, "SEC-admin-surface").evidence)).toMatch(/"publicProbe":\{"status":404\}/);
  });

  it("e-mail login off, the per-account login limit lifted and the admin API on MAS's public listener fail VSM-7, SEC-bruteforce and SEC-admin-surface, each for its own reason, and nothing else changes", { timeout: 700_000 }, async () => {
    const r = await runMas("messaging,security", [
      "account: { login_with_email_allowed: false }",
      "rate_limiting: { login: { per_account: { burst: 100000, per_second: 1000 } } }",
      "http: { listeners: [{ name: web, resources: [{ name: adminapi }] }] }",
      "",
    ].join("\n"));
    const broken = statuses(r.results);
    const expected = { ...statuses(conforming), "VSM-7": "failed", "SEC-bruteforce": "failed", "SEC-admin-surface": "failed" };
    expect(broken).toEqual(expected);
    // The reference's MAS allows 60 logins per address at once: with the account's limit lifted, nothing throttles.
    expect(req(r.results, "SEC-bruteforce").reason).toMatch(/no 429 within 10 wrong passwords for one account/);
    expect(req(r.results, "SEC-admin-surface").reason).toMatch(/MAS's public URL https:\/\/localhost:\d+ serves its admin API \(200/);
    expect(JSON.stringify(req(r.results, "VSM-7").evidence ?? req(r.results, "VSM-7").reason)).toMatch(/M_FORBIDDEN|403|login/i);
  });

  it("MAS with password login off still runs the client suites: users get personal sessions, and the run says so", { timeout: 700_000 }, async () => {
    const r = await runMas("messaging", "passwords: { enabled: false }\n");
    expect(r.stderr).toMatch(/test users on localhost: the MAS admin API .*MAS keeps password login off, so later logins are personal sessions too/);
    for (const id of ["VSM-2.2.e2ee", "VSM-2.3.bots"]) expect(req(r.results, id).status, `${id}: ${req(r.results, id).reason ?? ""}`).toBe("passed");
    expect(req(r.results, "VSM-7").status, "e-mail login needs password login").toBe("failed");
  });
});
