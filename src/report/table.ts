import { checkText, type CheckStatus, type Results } from "./results.ts";

const MARK: Record<string, string> = { passed: "PASS", failed: "FAIL", incomplete: "INCOMPLETE", skipped: "SKIP", manual: "MANUAL" };
const CHECK: Record<CheckStatus, string> = { passed: "passed", failed: "failed", skipped: "skipped", "not-run": "not run", inconclusive: "inconclusive", manual: "manual" };

/**
 * The per-requirement table `mxaccept run` prints: one line per requirement (its status and reason), and under
 * it one line per check (status, proof kind, what it checks, and why it is not passed).
 */
export function formatTable(results: Results): string {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const w0 = Math.max(11, ...results.requirements.map((r) => r.id.length));
  const w1 = 10;
  const w2 = Math.min(60, Math.max(...results.requirements.map((r) => r.title.length)));
  const lines = [
    `Profile ${results.profile} · ${results.target.serverName} (${results.target.serverVersion}) · run ${results.runId}`
      + (results.selection?.suites || results.selection?.grep ? ` · selected:${results.selection.suites ? ` --suite ${results.selection.suites.join(",")}` : ""}${results.selection.grep ? ` --grep ${results.selection.grep}` : ""}` : ""),
    `${"requirement".padEnd(w0)}  ${"status".padEnd(w1)}  ${"title".padEnd(w2)}  reason`,
  ];
  for (const r of results.requirements) {
    // The reason of an incomplete requirement lists its checks, shown below it one by one.
    const reason = r.status === "incomplete" ? "see its checks" : r.reason ?? "";
    lines.push(`${r.id.padEnd(w0)}  ${(MARK[r.status] ?? r.status).padEnd(w1)}  ${clip(r.title, w2).padEnd(w2)}  ${clip(reason, 100)}`);
    for (const t of r.tests) {
      const why = t.status === "passed" ? "" : ` — ${t.reason ?? ""}`;
      lines.push(`${"".padEnd(w0)}    ${CHECK[t.status].padEnd(12)} ${t.proof.padEnd(11)} ${clip(`${clip(checkText(t.title), 70)}${why}`, 150)}`);
    }
  }
  const s = results.summary;
  lines.push(`requirements: ${s.passed} passed, ${s.failed} failed, ${s.incomplete} incomplete, ${s.skipped} skipped, ${s.manual} manual`);
  return lines.join("\n");
}
