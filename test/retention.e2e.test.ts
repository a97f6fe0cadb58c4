import { describe, expect, it } from "vitest";
import { runWithOverlayOn } from "./helpers/cli.ts";

describe("retention checks fail a broken instance", () => {
  it("with message retention disabled, BUM-2.5.messages fails on the time-scaled instance", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("retention", "retention:\n  enabled: false\n", ["--time-scale", "1051200"]);
    expect(code).toBe(1);
    const req = results.requirements.find((r) => r.id === "BUM-2.5.messages")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/the expired message to be served to no member/);
  });
});

describe("media retention checks fail a broken instance", () => {
  it("without media_retention, BUM-2.5.local-media and BUM-2.5.remote-media fail", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("retention", "media_retention: null\n", ["--time-scale", "1051200", "--grep", "media"]);
    expect(code).toBe(1);
    for (const id of ["BUM-2.5.local-media", "BUM-2.5.remote-media"]) {
      const req = results.requirements.find((r) => r.id === id)!;
      expect(req.status, id).toBe("failed");
      expect(req.reason).toMatch(/retention job to delete the backdated/);
    }
  });
});
