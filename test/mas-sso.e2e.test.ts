import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import { portInUse } from "../src/stack/ports.ts";
import { MAS_PROVIDER_ID } from "../src/stack/parts/keycloak.ts";
import { masTitle, noMas } from "./helpers/mas-build.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * BUM-2.4 where login is delegated to the Matrix Authentication Service, in both directions, on the real reference
 * (`--topology production --with mas,keycloak`: Keycloak is MAS's upstream provider) with the user's own MAS build
 * (MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE; the project never builds MAS). Conforming, both BUM-2.4 checks pass
 * through MAS's pages as an OIDC-native client (dynamic registration, PKCE, MAS's login page, Keycloak, MAS's
 * consent, the code exchanged, whoami). With MAS mapping the wrong claim to the localpart (`sub` instead of
 * `preferred_username`, an --overlay-mas on the provider), the login still works but ends in the wrong Matrix id:
 * BUM-2.4 fails, and nothing else in the suite does.
 *
 * The production topology binds 127.0.0.1:443 and :80: each run waits until another production instance has let
 * them go.
 */
const title = masTitle("BUM-2.4 through MAS's upstream provider (run --topology production --with mas,keycloak --suite identity)");

async function runIdentity(overlayMas?: string): Promise<{ code: number; results: Results; stderr: string; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), "mxa-mas-sso-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  const args = ["run", "--topology", "production", "--with", "mas,keycloak", "--suite", "identity"];
  if (overlayMas) {
    writeFileSync(join(dir, "overlay-mas.yaml"), overlayMas);
    args.push("--overlay-mas", join(dir, "overlay-mas.yaml"));
  }
  await waitFor("127.0.0.1:443 and :80 to be free (another production topology)", async () => (!(await portInUse(443)) && !(await portInUse(80)) ? true : undefined), { timeoutMs: 1_800_000, intervalMs: 1000 });
  const t0 = performance.now();
  const run = await mxaccept(args, env, 1_200_000);
  const seconds = (performance.now() - t0) / 1000;
  const [runId] = readdirSync(join(dir, "reports"));
  if (!runId) throw new Error(`the run wrote no report: ${run.stderr}`);
  return { code: run.code, results: JSON.parse(readFileSync(join(dir, "reports", runId, "results.json"), "utf8")) as Results, stderr: run.stderr, seconds };
}

describe.skipIf(noMas)(title, () => {
  it("a conforming instance passes BUM-2.4: an OAuth 2.0 session of the IdP user through MAS, and a disabled IdP user refused", { timeout: 3_000_000 }, async () => {
    const { code, results, stderr, seconds } = await runIdentity();
    const req = results.requirements.find((r) => r.id === "BUM-2.4")!;
    expect(req.status, `${req.reason}\n${stderr.slice(-2000)}`).toBe("passed");
    expect(code, stderr.slice(-2000)).toBe(0);
    const [login, disabled] = ["SSO login", "disabled in the IdP"].map((t) => req.tests.find((x) => x.title.includes(t)));
    expect(login?.status).toBe("passed");
    expect(disabled?.status).toBe("passed");
    const ev = req.evidence.find((e) => (e as { ssoLoginMs?: number }).ssoLoginMs !== undefined) as Record<string, unknown>;
    expect(ev.via).toMatch(/^MAS's upstream provider as an OIDC-native client/);
    expect(ev.discoveredAt).toMatch(/\/_matrix\/client\/v1\/auth_metadata$/);
    expect(ev.providerId).toBe(MAS_PROVIDER_ID);
    expect(ev.scope).toMatch(/urn:matrix:client:api:\*/);
    expect(ev.deviceId, "the token's device is the one the device scope asked for").toBe(ev.requestedDevice);
    // MAS's login page, its link to the provider (labelled in the browser's German), Keycloak, MAS's account and consent pages.
    expect(ev.steps).toEqual([expect.stringMatching(/^MAS login page: «.*Keycloak»$/), "IdP login page", "MAS: create account", "MAS: consent", "redirect to the client"]);
    const off = req.evidence.find((e) => (e as { disabledOutcome?: string }).disabledOutcome) as { disabledOutcome: string };
    expect(off.disabledOutcome).toBe("idp-refused");
    console.log(`conforming: run ${seconds.toFixed(0)} s; SSO login through MAS ${ev.ssoLoginMs} ms in the browser; checks ${login!.durationMs} ms and ${disabled!.durationMs} ms`);
  });

  it("with MAS mapping the localpart from `sub`, BUM-2.4 fails naming the Matrix id, and nothing else fails", { timeout: 3_000_000 }, async () => {
    const overlay = `upstream_oauth2:\n  providers:\n    - id: ${MAS_PROVIDER_ID}\n      claims_imports:\n        localpart:\n          template: "{{ user.sub }}"\n`;
    const { code, results, stderr, seconds } = await runIdentity(overlay);
    expect(code, stderr.slice(-2000)).toBe(1);
    const req = results.requirements.find((r) => r.id === "BUM-2.4")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/the access token belongs to the user the IdP names \(preferred_username\)/);
    expect(results.requirements.filter((r) => r.status === "failed").map((r) => r.id)).toEqual(["BUM-2.4"]);
    console.log(`claims mapped from sub: run ${seconds.toFixed(0)} s; reason: ${req.reason?.slice(0, 200)}`);
  });
});
