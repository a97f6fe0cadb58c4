import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatDuration } from "../src/stack/install.ts";
import type { Results } from "../src/report/results.ts";
import { proveOn, type Proof } from "../scripts/template-job.ts";

/**
 * The CI templates on a stock image: each template's acceptance job runs in a fresh overlay of a clean Debian
 * bookworm root (debootstrap; Node 24, git; no cargo, Go, Python venv or Chromium: scripts/template-job.ts), against
 * the embedded reference instance started outside the root on loopback, as a staging target. It must pass a
 * conforming instance (exit 0), fail one whose registration is open (exit 1, VSM-1 failed), and publish junit.xml
 * and the acceptance record either way. Needs root (debootstrap, chroot, mounts). The template's own lines are
 * run, so a change to ci-templates/ is proven here.
 */
const root = process.getuid?.() === 0;
const out = mkdtempSync(join(tmpdir(), "mxa-template-"));
// The first job starts from the clean root itself (proving the stock path: Chromium and Java installed by need);
// the others from the warm layer (the same root plus what that job installed), to keep npm test's time down.
// MXACCEPT_TEMPLATE_JOBS=gitlab (or github) proves one template only, where npm test's time is short.
const jobs = (process.env.MXACCEPT_TEMPLATE_JOBS ?? "gitlab,github").split(",").map((j) => j.trim()).filter((j): j is "gitlab" | "github" => j === "gitlab" || j === "github");
const opts = { jobs, suites: "security", profile: "vodafone-secure-messenger", out, log: (l: string) => console.log(l) };

function published(p: Proof): Results {
  const r = p.result;
  expect(r.junit, `${r.job} published no junit.xml (log ${r.log})`).toBeDefined();
  expect(readFileSync(r.junit!, "utf8"), `${r.job}'s junit.xml holds no test case`).toMatch(/<testcase /);
  expect(r.record, `${r.job} published no acceptance record (log ${r.log})`).toBeDefined();
  expect(readFileSync(r.record!, "utf8")).toMatch(/VSM-1/);
  expect(r.results, `${r.job} left no results.json (log ${r.log})`).toBeDefined();
  console.log(`template job | ${r.job} | ${p.instance} instance | ${p.fresh ? "clean root" : "warm layer"} | exit ${r.exitCode} | ${formatDuration(r.ms)} | junit.xml, acceptance.html${r.pdf ? ", acceptance.pdf" : ""}`);
  return JSON.parse(readFileSync(r.results!, "utf8")) as Results;
}

describe.skipIf(!root)("CI templates in a clean bookworm root (needs root: debootstrap, chroot)", () => {
  it("GitLab job and GitHub workflow pass the conforming reference instance and publish junit.xml and the record", { timeout: 45 * 60_000 }, async () => {
    const proofs = await proveOn("conforming", { ...opts, fresh: "first" });
    expect(proofs.map((p) => p.result.job)).toEqual(opts.jobs);
    for (const p of proofs) {
      const results = published(p);
      expect(p.result.exitCode, `${p.result.job} job on the conforming instance (log ${p.result.log})`).toBe(0);
      expect(results.requirements.filter((q) => q.status === "failed").map((q) => q.id), "failed requirements on the conforming instance").toEqual([]);
    }
  });

  it("both fail (exit 1) an instance with open registration, naming VSM-1, and still publish junit.xml and the record", { timeout: 45 * 60_000 }, async () => {
    const proofs = await proveOn("broken", { ...opts, fresh: "none" });
    for (const p of proofs) {
      const results = published(p);
      expect(p.result.exitCode, `${p.result.job} job on the broken instance (log ${p.result.log})`).toBe(1);
      expect(results.requirements.find((q) => q.id === "VSM-1")?.status, "VSM-1 on the broken instance").toBe("failed");
    }
  });
});
