import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTarget, loadTarget, targetSecrets } from "../src/config/target.ts";
import { UserError } from "../src/config/errors.ts";

const valid = {
  MXACCEPT_BASE_URL: "https://matrix.example.org/",
  MXACCEPT_SERVER_NAME: "example.org",
  MXACCEPT_ADMIN_TOKEN: "syt_admin_token_value",
};

function errorOf(vars: Record<string, string>): string {
  try {
    parseTarget(vars, "t.env");
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg.split("\n")).toHaveLength(1);
    return msg;
  }
  throw new Error("expected a validation error");
}

describe("target validation", () => {
  it("accepts a minimal target and normalises the URL", () => {
    const t = parseTarget(valid, "t.env");
    expect(t.baseUrl).toBe("https://matrix.example.org");
    expect(t.destructive).toBe(false);
    expect(t.embedded).toBe(false);
    expect(t.timeScale).toBe(1);
    expect(t.partner).toBeUndefined();
  });
  it("drives synapse-admin as the application portal unless the target names another kind, and names an unknown kind", () => {
    expect(parseTarget(valid, "t.env").appPortalKind).toBe("synapse-admin");
    expect(errorOf({ ...valid, MXACCEPT_APP_PORTAL_KIND: "my-portal" })).toMatch(/MXACCEPT_APP_PORTAL_KIND: must be a portal kind the harness drives: synapse-admin/);
  });
  it("names a missing required key", () => {
    expect(errorOf({ MXACCEPT_SERVER_NAME: "example.org", MXACCEPT_ADMIN_TOKEN: "x".repeat(10) })).toMatch(/MXACCEPT_BASE_URL is missing/);
  });
  it("names a malformed URL", () => {
    expect(errorOf({ ...valid, MXACCEPT_BASE_URL: "matrix.example.org" })).toMatch(/MXACCEPT_BASE_URL: must be an http\(s\) URL/);
  });
  it("refuses an unknown key (a typo)", () => {
    expect(errorOf({ ...valid, MXACCEPT_ADMIN_TOKN: "x" })).toMatch(/unknown key MXACCEPT_ADMIN_TOKN/);
  });
  it("needs an admin token or a shared secret", () => {
    expect(errorOf({ MXACCEPT_BASE_URL: valid.MXACCEPT_BASE_URL, MXACCEPT_SERVER_NAME: "example.org" })).toMatch(/MXACCEPT_ADMIN_TOKEN or MXACCEPT_REGISTRATION_SHARED_SECRET/);
  });
  it("needs both halves of a partner", () => {
    expect(errorOf({ ...valid, MXACCEPT_PARTNER_BASE_URL: "https://p.example.org" })).toMatch(/MXACCEPT_PARTNER_SERVER_NAME is missing/);
  });
  it("names a bad enum value", () => {
    expect(errorOf({ ...valid, MXACCEPT_DESTRUCTIVE: "yes" })).toMatch(/MXACCEPT_DESTRUCTIVE/);
  });
  it("refuses a CA file that does not exist", () => {
    expect(errorOf({ ...valid, MXACCEPT_CA_FILE: "/nonexistent/ca.pem" })).toMatch(/MXACCEPT_CA_FILE .* does not exist/);
  });
  it("reads a dotenv file, ignores empty values and other variables, and lists the secrets", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-target-"));
    const f = join(dir, "t.env");
    writeFileSync(f, `# comment\nMXACCEPT_BASE_URL=https://m.example.org\nMXACCEPT_SERVER_NAME=example.org\nMXACCEPT_ADMIN_TOKEN=\nMXACCEPT_REGISTRATION_SHARED_SECRET="s3cret-s3cret"\nOTHER=1\nMXACCEPT_SCANNER_URL=\n`);
    const t = loadTarget(f);
    expect(t.adminToken).toBeUndefined();
    expect(t.registrationSharedSecret).toBe("s3cret-s3cret");
    expect(targetSecrets(t)).toEqual(["s3cret-s3cret"]);
  });
  it("says when the file is missing", () => {
    expect(() => loadTarget("/nonexistent/x.env")).toThrow(/target file \/nonexistent\/x.env not found/);
  });
});
