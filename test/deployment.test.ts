import { describe, expect, it } from "vitest";
import { parseTarget } from "../src/config/target.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { UserError } from "../src/config/errors.ts";
import { projectRoot } from "../src/config/paths.ts";
import { auditRouting, auditSource } from "./helpers/routing-audit.ts";

const base = {
  MXACCEPT_BASE_URL: "https://matrix.example.org",
  MXACCEPT_SERVER_NAME: "example.org",
  MXACCEPT_ADMIN_TOKEN: "syt_admin_token_value",
  MXACCEPT_ADMIN_BASE_URL: "https://admin.example.internal/",
  MXACCEPT_PARTNER_BASE_URL: "https://matrix.partner.example",
  MXACCEPT_PARTNER_SERVER_NAME: "partner.example",
  MXACCEPT_PARTNER_ADMIN_TOKEN: "syt_partner_admin",
  MXACCEPT_PARTNER_ADMIN_BASE_URL: "https://admin.partner.internal:8443",
  MXACCEPT_OUTSIDER_BASE_URL: "https://matrix.outsider.example",
  MXACCEPT_OUTSIDER_SERVER_NAME: "outsider.example",
  MXACCEPT_OUTSIDER_REGISTRATION_SHARED_SECRET: "outsider-secret",
};

describe("deployment: one place decides where a request goes", () => {
  it("gives each role its client URL, admin URL and credentials from the target file", () => {
    const t = parseTarget(base, "t.env");
    const [instance, partner, outsider] = Deployment.of(t).servers();
    expect(instance).toMatchObject({ role: "instance", serverName: "example.org", clientUrl: "https://matrix.example.org", adminUrl: "https://admin.example.internal", adminSeparate: true, adminToken: "syt_admin_token_value" });
    expect(partner).toMatchObject({ role: "partner", serverName: "partner.example", clientUrl: "https://matrix.partner.example", adminUrl: "https://admin.partner.internal:8443", adminSeparate: true });
    expect(outsider).toMatchObject({ role: "outsider", clientUrl: "https://matrix.outsider.example", adminUrl: "https://matrix.outsider.example", adminSeparate: false, adminToken: undefined, registrationSharedSecret: "outsider-secret" });
    expect(instance!.admin().baseUrl, "admin requests go to the admin host").toBe("https://admin.example.internal");
    expect(instance!.admin().clientUrl, "the client API requests an admin makes (whoami) go to the client URL").toBe("https://matrix.example.org");
    expect(partner!.admin("syt_other").baseUrl).toBe("https://admin.partner.internal:8443");
    expect(() => outsider!.admin(), "no admin token: a message naming the key").toThrow(/MXACCEPT_OUTSIDER_ADMIN_TOKEN/);
    expect(Deployment.of(t).partner!.label).toBe("partner (partner.example)");
    expect(Deployment.of(parseTarget({ ...base, MXACCEPT_OUTSIDER_BASE_URL: "", MXACCEPT_OUTSIDER_SERVER_NAME: "" }, "t.env")).server("outsider")).toBeUndefined();
    expect(() => Deployment.of(parseTarget({ ...base, MXACCEPT_OUTSIDER_BASE_URL: "", MXACCEPT_OUTSIDER_SERVER_NAME: "" }, "t.env")).mustServer("outsider")).toThrow(/MXACCEPT_OUTSIDER_BASE_URL/);
  });

  it("carries what the run learned: the run's admin where the target names none, and the capabilities, without losing the target's own", () => {
    const t = parseTarget(base, "t.env");
    const d = Deployment.of(t).with({ adminTokens: { instance: "syt_run_admin", outsider: "syt_run_outsider" } });
    expect(d.instance.adminToken, "the target file's token wins").toBe("syt_admin_token_value");
    expect(d.instance.adminTokenFromTarget).toBe(true);
    expect(d.outsider!.adminToken).toBe("syt_run_outsider");
    expect(d.outsider!.adminTokenFromTarget).toBe(false);
    const caps = { detectedAt: "", instance: { serverName: "example.org" } } as never;
    const later = d.with({ capabilities: caps });
    expect(later.outsider!.adminToken, "earlier admins are kept").toBe("syt_run_outsider");
    expect(later.byServerName("example.org")?.caps).toMatchObject({ serverName: "example.org" });
    expect(later.instance.users.label).toBe("the Synapse admin API");
    expect(later.outsider!.users.label).toBe("shared-secret registration");
  });

  it("the portal's admin API defaults to the admin URL and follows MXACCEPT_ADMIN_API_URL", () => {
    expect(Deployment.of(parseTarget(base, "t.env")).instance.portalApiUrl).toBe("https://admin.example.internal");
    expect(Deployment.of(parseTarget({ ...base, MXACCEPT_ADMIN_API_URL: "https://portal-api.example.internal" }, "t.env")).instance.portalApiUrl).toBe("https://portal-api.example.internal");
  });

  it("refuses a partner or outsider admin URL without its server, and a malformed one, in one line", () => {
    const err = (vars: Record<string, string>) => {
      try {
        parseTarget(vars, "t.env");
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    const lone = { MXACCEPT_BASE_URL: base.MXACCEPT_BASE_URL, MXACCEPT_SERVER_NAME: base.MXACCEPT_SERVER_NAME, MXACCEPT_ADMIN_TOKEN: base.MXACCEPT_ADMIN_TOKEN };
    expect(err({ ...lone, MXACCEPT_PARTNER_ADMIN_BASE_URL: "https://a.example" })).toMatch(/MXACCEPT_PARTNER_ADMIN_BASE_URL is set but MXACCEPT_PARTNER_BASE_URL is not/);
    expect(err({ ...base, MXACCEPT_OUTSIDER_ADMIN_BASE_URL: "admin.outsider" })).toMatch(/MXACCEPT_OUTSIDER_ADMIN_BASE_URL: must be an http\(s\) URL/);
  });
});

describe("routing audit: no admin request is built against a client URL", () => {
  it("the harness's sources (src/, scenarios/, fixtures/, scripts/) send every admin request to a deployment's admin URL", () => {
    const r = auditRouting(projectRoot(), ["src", "scenarios", "fixtures", "scripts"]);
    expect(r.files).toBeGreaterThan(100);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.why}: ${f.code}`), "route these through src/matrix/deployment.ts").toEqual([]);
    // The deliberate probes of the public client URL (SEC-admin-surface), each marked in the code.
    expect(r.probes.length).toBeGreaterThanOrEqual(2);
    expect(r.probes.every((p) => p.startsWith("scenarios/security/admin-surface.spec.ts:"))).toBe(true);
  });

  it("flags each way of deriving an admin URL, and passes the deployment's", () => {
    const bad = auditSource("src/x.ts", [
      `const a = new AdminClient(hs.baseUrl, hs.adminToken);`,
      `await requestJson(target.baseUrl, "GET", "_synapse/admin/v2/users");`,
      `await fetch(\`\${hs.baseUrl}/_synapse/admin/v1/server_version\`);`,
      `const url = hs.adminBaseUrl ?? hs.baseUrl;`,
      `await requestJson(url, "POST", \`_synapse/admin/v1/users/\${id}/login\`, { body: {} });`,
      `await attempt("list users", dora.baseUrl, "GET", "_synapse/admin/v2/users", token);`,
      `await registerWithSharedSecret(hs.baseUrl, secret, { username, password });`,
    ].join("\n"));
    expect(bad.findings.map((f) => `${f.line} ${f.rule}`)).toEqual(["1 admin-client", "2 admin-path", "3 admin-path", "5 admin-path", "6 admin-path", "7 registration"]);
    const good = auditSource("src/y.ts", [
      `const d = deployment.instance;`,
      `const api = deployment.instance.portalApiUrl;`,
      `await requestJson(d.adminUrl, "GET", "_synapse/admin/v2/users");`,
      `await requestJson(api, "GET", "_synapse/admin/v1/rooms");`,
      `await d.admin().request("GET", "_synapse/admin/v1/server_version");`,
      `await fetch(\`\${instance.adminUrl}/_synapse/admin/v1/server_version\`);`,
      `// public-surface probe: the admin API asked at the client URL on purpose`,
      `const probe = await raw(target.baseUrl, "_synapse/admin/v1/server_version");`,
      `await this.expectResponse("delete the room", "DELETE", \`/_synapse/admin/v2/rooms/\${roomId}\`, () => confirm.click());`,
    ].join("\n"));
    expect(good.findings).toEqual([]);
    expect(good.probes).toHaveLength(1);
  });
});
