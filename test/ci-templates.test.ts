import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { projectRoot } from "../src/config/paths.ts";

const root = projectRoot();
const envKeys = [...new Set([...readFileSync(join(root, ".env.example"), "utf8").matchAll(/^(MXACCEPT_[A-Z0-9_]+)=/gm)].map((m) => m[1]!))]
  .filter((k) => k !== "MXACCEPT_EMBEDDED" && k !== "MXACCEPT_TIME_SCALE" && k !== "MXACCEPT_SIZE_SCALE"); // the reference instance's own keys

describe("CI templates", () => {
  it("GitLab: runs the suites, publishes JUnit and the acceptance record, and has a scheduled canary", () => {
    const doc = parse(readFileSync(join(root, "ci-templates", "gitlab-ci.yml"), "utf8")) as Record<string, { script?: unknown[]; artifacts?: { reports?: { junit?: string }; paths?: string[] }; rules?: { if?: string }[] }>;
    const script = JSON.stringify(doc.acceptance!.script);
    expect(script).toContain("mxaccept run --target staging.env");
    expect(script).toContain("mxaccept report");
    expect(doc.acceptance!.artifacts!.reports!.junit).toBe("junit.xml");
    expect(doc.acceptance!.artifacts!.paths).toContain("acceptance.pdf");
    expect(JSON.stringify(doc["availability-canary"]!.script)).toContain("mxaccept probe --target staging.env");
    expect(doc["availability-canary"]!.rules![0]!.if).toContain("canary");
  });

  it("GitHub Actions: passes every target key of .env.example, runs on a schedule, publishes JUnit and the report", () => {
    const doc = parse(readFileSync(join(root, "ci-templates", "github-actions.yml"), "utf8")) as { on: Record<string, unknown>; env: Record<string, string>; jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }> };
    for (const k of envKeys) expect(doc.env, `${k} (added to .env.example: add it to ci-templates/github-actions.yml too)`).toHaveProperty(k);
    for (const [k, v] of Object.entries(doc.env).filter(([k]) => /TOKEN|SECRET|PASSWORD/.test(k))) expect(v, k).toMatch(/secrets\./);
    expect(doc.on.schedule).toBeDefined();
    const steps = doc.jobs.acceptance!.steps;
    expect(steps.some((s) => s.run?.includes("mxaccept run --target staging.env"))).toBe(true);
    expect(steps.some((s) => s.with?.report_paths?.includes("junit.xml"))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith("actions/upload-artifact") && s.with?.path === "reports/")).toBe(true);
    expect(doc.jobs["availability-canary"]!.steps.some((s) => s.run?.includes("mxaccept probe"))).toBe(true);
  });
});
