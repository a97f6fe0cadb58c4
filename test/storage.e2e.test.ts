import { describe, expect, it } from "vitest";
import { runWithOverlayOn } from "./helpers/cli.ts";

describe("storage checks fail a broken instance", () => {
  it("without the per-user upload limit, VSM-2.2.storage fails", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("storage", "media_upload_limits: []\n", ["--profile", "vodafone-secure-messenger", "--size-scale", "1024"]);
    expect(code).toBe(1);
    const req = results.requirements.find((r) => r.id === "VSM-2.2.storage")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/the upload beyond the quota is refused/);
  });
});
