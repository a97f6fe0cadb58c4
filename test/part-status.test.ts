import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partsOfFile, partsOfSuite, waitForParts, writePartStatus } from "../src/stack/part-status.ts";

/**
 * parts-ready.json (src/stack/part-status.ts): what a suite that needs a background part of the embedded instance
 * waits for. The fixture (fixtures/index.ts) fails the suite's checks with the reason returned here.
 */
describe("waiting for the parts started in the background", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "mxa-parts-"));

  it("knows which suite needs which part", () => {
    expect(partsOfSuite("virus")).toEqual(["scanner"]);
    expect(partsOfSuite("identity")).toEqual(["keycloak"]);
    expect(partsOfSuite("portals")).toEqual(["keycloak"]);
    expect(partsOfSuite("messaging")).toEqual([]);
    // The transport checks probe every endpoint the target names, the scanner's and the IdP's too.
    expect(partsOfFile("security/transport.spec.ts")).toEqual(["scanner", "keycloak"]);
    expect(partsOfFile("security/anonymous.spec.ts")).toEqual([]);
    expect(partsOfFile("virus/scanner.spec.ts")).toEqual(["scanner"]);
  });

  it("does not wait without a status file (a target, or an instance started with everything)", async () => {
    expect(await waitForParts(dir(), ["scanner"], 1_000)).toEqual({});
  });

  it("waits while the part is pending, and returns nothing once it is ready", async () => {
    const d = dir();
    writePartStatus(d, { scanner: { status: "pending" }, keycloak: { status: "pending" } });
    const waiting = waitForParts(d, ["scanner"], 10_000);
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 600));
    expect(settled).toBe(false);
    writePartStatus(d, { scanner: { status: "ready" }, keycloak: { status: "pending" } });
    expect(await waiting).toEqual({});
  });

  it("returns the one-line reason of a part that failed, and names a part still pending at the deadline", async () => {
    const d = dir();
    writePartStatus(d, { scanner: { status: "failed", reason: "clamd did not start: see clamd.log" }, keycloak: { status: "pending" } });
    expect(await waitForParts(d, ["scanner"], 1_000)).toEqual({ scanner: "clamd did not start: see clamd.log" });
    expect(await waitForParts(d, ["keycloak"], 300)).toEqual({ keycloak: expect.stringMatching(/^Keycloak \(the IdP\) was not ready within 0 s/) });
  });
});
