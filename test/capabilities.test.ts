import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import type { StackLayout } from "../src/stack/generate.ts";
import { dendriteConfig, dendriteSigningKey } from "../src/stack/dendrite.ts";
import { capabilityLines, delegatedLoginNote, needs, type ServerCapabilities } from "../src/matrix/capabilities.ts";
import { capabilitiesHtml } from "../src/report/capabilities-html.ts";
import { UserFactory } from "../src/matrix/users.ts";
import { Server } from "../src/matrix/deployment.ts";
import { Ledger } from "../src/matrix/ledger.ts";

const yes = (detail = "") => ({ present: true, detail });
const no = (detail = "") => ({ present: false, detail });
const dendrite: ServerCapabilities = {
  serverName: "localhost:8481",
  baseUrl: "https://localhost:8481",
  software: { name: "Dendrite", version: "0.13.8", via: "federation /version at the client URL" },
  clientVersions: ["v1.2"],
  synapseAdminApi: no("/_synapse/admin: 404 M_UNRECOGNIZED"),
  overrideRatelimit: no("no Synapse admin API"),
  sharedSecretRegistration: yes(),
  encryptionByDefault: { private: no(), direct: no() },
  loginDelegated: no(),
  authenticatedMedia: yes(),
  passwordLogin: yes(),
};

describe("capabilities in words", () => {
  it("names a missing capability in one line with the server's software", () => {
    expect(needs("the Synapse admin API", dendrite)).toBe("needs the Synapse admin API; this server is Dendrite 0.13.8");
    expect(needs("the Synapse admin API", { ...dendrite, software: undefined })).toBe("needs the Synapse admin API; this server is of unknown software");
  });
  it("says for delegated login what cannot run and what to provide; nothing when login is not delegated", () => {
    expect(delegatedLoginNote(dendrite)).toBeUndefined();
    const mas = { ...dendrite, loginDelegated: { present: true, issuer: "https://auth.example.test/", detail: "" } };
    expect(delegatedLoginNote(mas)).toMatch(/^login on localhost:8481 is delegated to https:\/\/auth\.example\.test\/ .*checks that create test users cannot run; add MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file/);
    expect(delegatedLoginNote(mas, true)).toBe("login on localhost:8481 is delegated to https://auth.example.test/ (MSC3861): the run makes its users and its admin through the MAS admin API");
  });
  it("the run header and the record's table show every capability", () => {
    expect(capabilityLines(dendrite).join("\n")).toMatch(/Dendrite 0\.13\.8.*\n.*Synapse admin API no, override_ratelimit no, shared-secret registration yes, encryption by default private no \/ direct no, login delegated no/);
    const html = capabilitiesHtml({ detectedAt: "", instance: dendrite }, "en");
    expect(html).toContain("Server capabilities (detected before the run)");
    expect(html).toContain("/_synapse/admin: 404 M_UNRECOGNIZED");
    expect(capabilitiesHtml({ detectedAt: "", instance: dendrite }, "de")).toContain("Synapse-Admin-API");
  });
  it("the user factory says why it cannot create users: delegated login, or neither shared secret nor Synapse admin API", () => {
    const f = (caps: ServerCapabilities, secret?: string) => new UserFactory(new Server({ baseUrl: caps.baseUrl, serverName: caps.serverName, registrationSharedSecret: secret, adminToken: "t0123456789" }, "instance", { caps }), "20261129-000000-abcd", new Ledger("/tmp/mxa-cap-test/ledger.jsonl"));
    expect(f(dendrite, "secret-123456").cannotCreate()).toBeUndefined();
    expect(f(dendrite).cannotCreate()).toBe("needs shared-secret registration or the Synapse admin API to create test users; this server is Dendrite 0.13.8 (set MXACCEPT_REGISTRATION_SHARED_SECRET)");
    expect(f({ ...dendrite, loginDelegated: { present: true, detail: "" } }, "secret-123456").cannotCreate()).toMatch(/login is delegated to an OAuth 2\.0 server \(MSC3861, e\.g\. MAS\).*add MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET/);
  });
});

describe("Dendrite's generated config", () => {
  const layout: StackLayout = {
    host: "localhost", timeScale: 1, sizeScale: 1,
    tls: { caCert: "/s/tls/ca.crt", cert: "/s/tls/server.crt", key: "/s/tls/server.key" },
    servers: {
      hs1: { port: 8481, dir: "/s/hs1", secrets: { registration: "r1", macaroon: "m1", form: "f1" } },
      hs2: { port: 8482, dir: "/s/hs2", secrets: { registration: "r2", macaroon: "m2", form: "f2" } },
      hs3: { port: 8483, dir: "/s/hs3", secrets: { registration: "r3", macaroon: "m3", form: "f3" } },
    },
  };
  it("is closed (shared secret only, no guests), rate-limited, with the profile's upload limit and no servers on the internet", () => {
    const c = dendriteConfig(loadProfile("managed-bundesmessenger"), layout, "hs1", "r1") as Record<string, Record<string, unknown>>;
    expect(c.global!.server_name).toBe("localhost:8481");
    expect(c.client_api).toMatchObject({ registration_disabled: true, guests_disabled: true, registration_shared_secret: "r1", rate_limiting: { enabled: true } });
    expect(c.federation_api!.key_perspectives).toEqual([]);
    expect(c.global!.trusted_third_party_id_servers).toEqual([]);
    expect(c.media_api!.max_file_size_bytes).toBeGreaterThan(1024 * 1024);
    expect(c.room_server!.database).toEqual({ connection_string: "file:/s/hs1/roomserver.db" });
  });
  it("takes an overlay like the Synapse servers do", () => {
    const c = dendriteConfig(loadProfile("managed-bundesmessenger"), layout, "hs1", "r1", [{ client_api: { guests_disabled: false } }]) as Record<string, Record<string, unknown>>;
    expect(c.client_api).toMatchObject({ guests_disabled: false, registration_disabled: true });
  });
  it("writes its signing key in Dendrite's PEM form", () => {
    expect(dendriteSigningKey()).toMatch(/^-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: ed25519:mxa[0-9a-f]{6}\n\n[A-Za-z0-9+/]{43}=\n-----END MATRIX PRIVATE KEY-----\n$/);
  });
});
