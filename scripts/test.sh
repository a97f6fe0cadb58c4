#!/usr/bin/env bash
# The README's test command (npm test): the harness's self-tests (vitest), then the scenarios against the
# embedded reference instance (mxaccept run, which starts and stops the instance). Ends with one line
# "N passed, N failed, N skipped" over both.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/reports/npm-test"
rm -rf "$OUT" && mkdir -p "$OUT"
t0=$(date +%s)

echo "== self-tests (vitest)"
vitest run --reporter=default --reporter=json --outputFile.json="$OUT/vitest.json"
vitest_rc=$?
t1=$(date +%s)

echo "== scenarios against the embedded reference instance (mxaccept run), both profiles"
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite messaging,billing,storage,federation,availability,security --profile managed-bundesmessenger
run_rc=$?
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite messaging,storage,availability,security --profile vodafone-secure-messenger --size-scale 1024
[ $? -ne 0 ] && run_rc=1
# Tenancy, roles and the group limit (scaled to 100 members; accept runs the contract's 1,250). On its own: the
# cross-tenant step restarts hs1 and hs2.
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite federation --profile vodafone-secure-messenger --group-limit 100
[ $? -ne 0 ] && run_rc=1
# Retention at time scale 1, as a staging user runs it (live backdating + config on the reference), on its own: moving
# hs1's history back lets the purge job trim other rooms, so alongside other suites it would run one test at a time.
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite retention --profile managed-bundesmessenger
[ $? -ne 0 ] && run_rc=1
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite retention --profile vodafone-secure-messenger
[ $? -ne 0 ] && run_rc=1
# Live expiry on time-scaled instances: the BuM year and the VSM 30 days both become 30 s.
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite retention --profile managed-bundesmessenger --time-scale 1051200
[ $? -ne 0 ] && run_rc=1
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite retention --profile vodafone-secure-messenger --time-scale 86400
[ $? -ne 0 ] && run_rc=1
# Virus blocking through the content scanner (matrix-content-scanner + ClamAV clamd of the reference instance).
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite virus --with scanner --profile managed-bundesmessenger
[ $? -ne 0 ] && run_rc=1
# The BuM suites on the production topology (hs1: main process + client, federation and media workers, Redis,
# PostgreSQL, behind nginx with the admin API on its own port); needs 127.0.0.1:443 and :80 free.
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --topology production --suite messaging,billing,storage,federation,availability,security --profile managed-bundesmessenger
[ $? -ne 0 ] && run_rc=1
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --topology production --suite retention --profile managed-bundesmessenger
[ $? -ne 0 ] && run_rc=1
# Identity and portals: one instance with Keycloak for both suites (the run adds --with keycloak itself).
MXACCEPT_REPORTS_DIR="$OUT/runs" node bin/mxaccept.js run --suite identity,portals --profile managed-bundesmessenger
[ $? -ne 0 ] && run_rc=1
t2=$(date +%s)

echo "timing: self-tests $((t1 - t0)) s, scenarios $((t2 - t1)) s"
node - "$OUT" "$vitest_rc" "$run_rc" <<'JS'
const fs = require("node:fs");
const path = require("node:path");
const [out, vitestRc, runRc] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
try {
  const v = JSON.parse(fs.readFileSync(path.join(out, "vitest.json"), "utf8"));
  passed += v.numPassedTests; failed += v.numFailedTests; skipped += v.numPendingTests + (v.numTodoTests ?? 0);
  if (v.numFailedTestSuites > 0 && v.numFailedTests === 0) failed += v.numFailedTestSuites;
} catch { failed += 1; console.error("self-tests wrote no results"); }
const runs = fs.existsSync(path.join(out, "runs")) ? fs.readdirSync(path.join(out, "runs")) : [];
let scenarioResults = false;
for (const r of runs) {
  const f = path.join(out, "runs", r, "playwright.json");
  if (!fs.existsSync(f)) continue;
  const s = JSON.parse(fs.readFileSync(f, "utf8")).stats;
  passed += s.expected + s.flaky; failed += s.unexpected; skipped += s.skipped;
  scenarioResults = true;
}
if (!scenarioResults) { failed += 1; console.error("the scenario run wrote no results"); }
if (Number(vitestRc) !== 0 && failed === 0) failed += 1;
if (Number(runRc) !== 0 && failed === 0) failed += 1;
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed ? 1 : 0;
JS
