import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { aggregate, type TestOutcome } from "../src/report/results.ts";
import { referenceLimitLines } from "../src/report/reference-limits.ts";

// The lines before the verdict that name the embedded reference's limits: only on the embedded reference, only for
// requirements that ended open for that reason, each with the option or key that lifts it.

const profile = loadProfile("managed-bundesmessenger");
const outcome = (title: string, status: TestOutcome["status"], annotations: TestOutcome["annotations"] = []): TestOutcome => ({ title, status, durationMs: 1, annotations, evidence: [] });

/** The reasons the scenarios give on the reference (scenarios/security/admin-surface.spec.ts, portals/*). */
const onReference = [
  outcome("SEC-admin-surface the admin API is refused to a user", "passed"),
  outcome("SEC-admin-surface the admin API is not on the public URL", "passed", [{ type: "inconclusive", description: "the admin API answers on the client URL https://localhost:41185 (the target names no separate MXACCEPT_ADMIN_BASE_URL): if that is the public URL, the admin API is exposed; name the admin host in MXACCEPT_ADMIN_BASE_URL to prove the public URL does not serve it" }]),
  outcome("BUM-2.7.app portal API: rooms", "passed"),
  outcome("BUM-2.7.app application management portal in the browser", "skipped", [{ type: "skip", description: "target file names no MXACCEPT_APP_PORTAL_URL (the application management portal's URL): the portal's functions are unproven in the browser" }]),
  outcome("BUM-5.3.c the web client in Chromium", "skipped", [{ type: "skip", description: "target file names no MXACCEPT_WEB_CLIENT_URL (the web client's URL, e.g. Element Web or BundesMessenger web): the web client is unproven in a browser" }]),
  outcome("BUM-2.7.idm VSM-5.2 identity management portal", "passed", [{ type: "inconclusive", description: "@u:localhost was deleted in the identity portal and can no longer log in by SSO, but the access token of their earlier SSO login is still accepted 5 s later (deadline 5 s × MXACCEPT_TIMEOUT_FACTOR): the homeserver learns nothing" }]),
];
const embedded = { embedded: true };

describe("the embedded reference's limits", () => {
  it("names each requirement left open by a limit of the reference, with what lifts it", () => {
    const lines = referenceLimitLines({ requirements: aggregate(profile, onReference) }, embedded);
    expect(lines[0]).toMatch(/^limits of the embedded reference instance, not of the harness/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/SEC-admin-surface incomplete: .*--topology production/);
    expect(lines[2]).toMatch(/BUM-2\.7\.app incomplete: .*MXACCEPT_APP_PORTAL_URL/);
    expect(lines[3]).toMatch(/BUM-5\.3\.c skipped: .*MXACCEPT_WEB_CLIENT_URL/);
    expect(lines[4]).toMatch(/BUM-2\.7\.idm incomplete: .*Keycloak/);
  });

  it("with MAS: the initial admin's token the reference does not hand over, and what lifts it", () => {
    const bum31 = [outcome("BUM-3.1 the initial admin account is logged in and is a server admin", "skipped", [{ type: "skip", description: "target file names no MXACCEPT_ADMIN_TOKEN (the initial admin's access token)" }])];
    const lines = referenceLimitLines({ requirements: aggregate(profile, bum31) }, { embedded: true, mas: { url: "https://localhost:1", adminUrl: "http://127.0.0.1:2" } });
    expect(lines[1]).toMatch(/BUM-3\.1 (incomplete|skipped): with --with mas the reference hands over no initial admin's token .*MXACCEPT_ADMIN_TOKEN/);
    expect(referenceLimitLines({ requirements: aggregate(profile, bum31) }, embedded), "without MAS the reference hands one over: not a limit").toEqual([]);
  });

  it("says nothing for a target that is not the embedded reference", () => {
    expect(referenceLimitLines({ requirements: aggregate(profile, onReference) }, { embedded: false })).toEqual([]);
  });

  it("says nothing for a requirement that passed, or that is open for another reason", () => {
    const passed = [outcome("SEC-admin-surface x", "passed"), outcome("BUM-5.3.c the web client in Chromium", "passed")];
    expect(referenceLimitLines({ requirements: aggregate(profile, passed) }, embedded)).toEqual([]);
    const other = [outcome("BUM-2.7.app portal API: rooms", "failed", [])];
    expect(referenceLimitLines({ requirements: aggregate(profile, other) }, embedded)).toEqual([]);
  });

  it("says nothing of a limit the target has lifted (an admin URL, a portal, a web client named)", () => {
    const lines = referenceLimitLines({ requirements: aggregate(profile, onReference) }, { embedded: true, adminBaseUrl: "https://admin.internal", appPortalUrl: "https://portal", webClientUrl: "https://web" });
    expect(lines.join("\n")).not.toMatch(/SEC-admin-surface|BUM-2\.7\.app|BUM-5\.3\.c/);
    expect(lines.join("\n")).toMatch(/BUM-2\.7\.idm/);
  });
});
