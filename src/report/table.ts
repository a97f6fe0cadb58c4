import type { Results } from "./results.ts";

const MARK: Record<string, string> = { passed: "PASS", failed: "FAIL", skipped: "SKIP", manual: "MANUAL" };

/** The per-requirement table `mxaccept run` prints. */
export function formatTable(results: Results): string {
  const rows = results.requirements.map((r) => [r.id, MARK[r.status] ?? r.status, r.title, r.reason ?? ""]);
  const w0 = Math.max(11, ...rows.map((r) => r[0]!.length));
  const w1 = 6;
  const w2 = Math.min(60, Math.max(...rows.map((r) => r[2]!.length)));
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const lines = [
    `Profile ${results.profile} · ${results.target.serverName} (${results.target.serverVersion}) · run ${results.runId}`,
    `${"requirement".padEnd(w0)}  ${"status".padEnd(w1)}  ${"title".padEnd(w2)}  reason`,
    ...rows.map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${clip(r[2]!, w2).padEnd(w2)}  ${clip(r[3]!, 100)}`),
    `requirements: ${results.summary.passed} passed, ${results.summary.failed} failed, ${results.summary.skipped} skipped, ${results.summary.manual} manual`,
  ];
  return lines.join("\n");
}
