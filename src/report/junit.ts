import type { CheckResult, RequirementResult, Results } from "./results.ts";

/**
 * junit.xml, the requirement view for CI (GitLab's and GitHub's test reports): one <testsuite> per requirement of
 * the profile, holding a "verdict" test case with the requirement's status (failed: <failure>; incomplete,
 * skipped, manual: <skipped> with the reason) and one test case per check, including the checks that did not run
 * (<skipped> with why). A check that carries several ids appears under each of them.
 */

function xml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function checkCase(r: RequirementResult, t: CheckResult): string {
  const head = `<testcase classname="${xml(r.id)}" name="${xml(t.title)}" time="${seconds(t.durationMs)}"${t.file ? ` file="${xml(`scenarios/${t.file}`)}"` : ""}>`;
  const props = `<properties><property name="status" value="${t.status}"/><property name="proof" value="${t.proof}"/></properties>`;
  if (t.status === "passed") return `${head}${props}</testcase>`;
  if (t.status === "failed") return `${head}${props}<failure message="${xml(t.reason ?? "failed")}">${xml(t.error ?? t.reason ?? "")}</failure></testcase>`;
  return `${head}${props}<skipped message="${xml(`${t.status}: ${t.reason ?? ""}`)}"/></testcase>`;
}

function verdictCase(r: RequirementResult): string {
  const head = `<testcase classname="${xml(r.id)}" name="${xml(`${r.id} requirement verdict`)}" time="0">`;
  if (r.status === "passed") return `${head}</testcase>`;
  if (r.status === "failed") return `${head}<failure message="${xml(r.reason ?? "failed")}">${xml(r.reason ?? "")}</failure></testcase>`;
  return `${head}<skipped message="${xml(`${r.status}: ${r.reason ?? ""}`)}"/></testcase>`;
}

export function junitXml(results: Results): string {
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const suites = results.requirements.map((r) => {
    const cases = [verdictCase(r), ...r.tests.map((t) => checkCase(r, t))];
    const f = (r.status === "failed" ? 1 : 0) + r.tests.filter((t) => t.status === "failed").length;
    const s = (r.status === "passed" || r.status === "failed" ? 0 : 1) + r.tests.filter((t) => t.status !== "passed" && t.status !== "failed").length;
    const time = r.tests.reduce((a, t) => a + t.durationMs, 0);
    tests += cases.length;
    failures += f;
    skipped += s;
    return `  <testsuite name="${xml(`${r.id} ${r.title}`)}" tests="${cases.length}" failures="${f}" errors="0" skipped="${s}" time="${seconds(time)}">\n`
      + `    <properties><property name="requirement" value="${xml(r.id)}"/><property name="status" value="${r.status}"/></properties>\n`
      + cases.map((c) => `    ${c}\n`).join("")
      + "  </testsuite>\n";
  });
  const time = Date.parse(results.finishedAt) - Date.parse(results.startedAt);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mxaccept ${xml(results.profile)} ${xml(results.runId)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(Number.isFinite(time) ? time : 0)}">\n${suites.join("")}</testsuites>\n`;
}
