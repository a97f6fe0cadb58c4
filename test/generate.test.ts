import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { deepMerge } from "../src/stack/overlay.ts";
import { generateHomeserver, retentionConfig, storageLimitConfig, type StackLayout } from "../src/stack/generate.ts";

const layout: StackLayout = {
  host: "localhost",
  timeScale: 1,
  sizeScale: 1,
  tls: { caCert: "/s/tls/ca.crt", cert: "/s/tls/server.crt", key: "/s/tls/server.key" },
  servers: {
    hs1: { port: 8481, dir: "/s/hs1", secrets: { registration: "r1", macaroon: "m1", form: "f1" } },
    hs2: { port: 8482, dir: "/s/hs2", secrets: { registration: "r2", macaroon: "m2", form: "f2" } },
    hs3: { port: 8483, dir: "/s/hs3", secrets: { registration: "r3", macaroon: "m3", form: "f3" } },
  },
};
const bum = loadProfile("managed-bundesmessenger");

describe("overlay merge", () => {
  it("merges mappings, replaces lists and scalars, and deletes on null", () => {
    const base = { a: { b: 1, c: [1, 2], d: { e: "x" } }, keep: true, gone: { x: 1 } };
    const merged = deepMerge(base, { a: { b: 2, c: [3], d: { f: "y" } }, gone: null, added: { z: 1 } });
    expect(merged).toEqual({ a: { b: 2, c: [3], d: { e: "x", f: "y" } }, keep: true, added: { z: 1 } });
    expect(base.a.b).toBe(1); // inputs untouched
  });
  it("merges SSO provider lists by idp_id, so an overlay can break one setting of a generated provider", () => {
    const base = { oidc_providers: [{ idp_id: "keycloak", issuer: "http://localhost:1/realms/x", client_secret: "right" }] };
    const merged = deepMerge(base, { oidc_providers: [{ idp_id: "keycloak", client_secret: "wrong" }, { idp_id: "other", issuer: "https://o" }] });
    expect(merged.oidc_providers).toEqual([{ idp_id: "keycloak", issuer: "http://localhost:1/realms/x", client_secret: "wrong" }, { idp_id: "other", issuer: "https://o" }]);
    expect(base.oidc_providers[0]!.client_secret).toBe("right");
  });
});

describe("homeserver config generator", () => {
  it("makes hs1 and hs2 allow each other, and leaves hs3 (the outsider) without allowlist", () => {
    expect(generateHomeserver(bum, layout, "hs1").federation_domain_whitelist).toEqual(["localhost:8481", "localhost:8482"]);
    expect(generateHomeserver(bum, layout, "hs2").federation_domain_whitelist).toEqual(["localhost:8481", "localhost:8482"]);
    expect(generateHomeserver(bum, layout, "hs3")).not.toHaveProperty("federation_domain_whitelist");
  });
  it("makes hs1 and hs2 two tenants that allow only themselves where the profile turns cross-tenant communication off", () => {
    const vsm = loadProfile("vodafone-secure-messenger");
    expect(vsm.reference.crossTenant).toBe("off");
    expect(generateHomeserver(vsm, layout, "hs1").federation_domain_whitelist).toEqual(["localhost:8481"]);
    expect(generateHomeserver(vsm, layout, "hs2").federation_domain_whitelist).toEqual(["localhost:8482"]);
    expect(generateHomeserver(vsm, layout, "hs3")).not.toHaveProperty("federation_domain_whitelist");
  });
  it("loads the group size module only for profiles with a group limit, with the contract's or the --group-limit number, next to the retention clock", () => {
    const vsm = loadProfile("vodafone-secure-messenger");
    const group = (n: number) => ({ module: "mxaccept_group_size_limit.GroupSizeLimit", config: { max_members: n } });
    const clock = { module: "mxaccept_media_retention_clock.MediaRetentionClock", config: { period_ms: 10_000 } };
    const backdate = { module: "mxaccept_backdate.Backdate", config: {} };
    expect(generateHomeserver(vsm, layout, "hs1").modules).toEqual([clock, backdate, group(1250)]);
    expect(generateHomeserver(vsm, { ...layout, groupSizeLimit: 100 }, "hs1").modules).toEqual([clock, backdate, group(100)]);
    expect(generateHomeserver(vsm, layout, "hs2").modules).toEqual([clock, group(1250)]);
    const scaled = generateHomeserver(vsm, { ...layout, timeScale: 86_400 }, "hs1").modules as { module: string }[];
    expect(scaled.map((m) => m.module)).toEqual(["mxaccept_media_retention_clock.MediaRetentionClock", "mxaccept_backdate.Backdate", "mxaccept_group_size_limit.GroupSizeLimit"]);
    expect(generateHomeserver(bum, { ...layout, groupSizeLimit: 100 }, "hs1").modules).toEqual([clock, backdate]);
  });
  it("closes registration, keeps shared-secret registration, encrypts every room, and allows only loopback", () => {
    const hs = generateHomeserver(bum, layout, "hs1");
    expect(hs).toMatchObject({
      server_name: "localhost:8481",
      enable_registration: false,
      registration_shared_secret: "r1",
      encryption_enabled_by_default_for_room_type: "all",
      trusted_key_servers: [],
      ip_range_whitelist: ["127.0.0.0/8", "::1/128"],
      federation_custom_ca_list: ["/s/tls/ca.crt"],
      max_upload_size: "50M",
      enable_authenticated_media: false,
    });
    expect(hs.listeners).toEqual([expect.objectContaining({ port: 8481, tls: true, bind_addresses: ["127.0.0.1"] })]);
  });
  it("sets retention from the profile, and divides it by the time scale", () => {
    expect(retentionConfig(bum, 1)).toEqual({
      retention: { enabled: true, default_policy: { max_lifetime: "1y" }, allowed_lifetime_max: "1y", purge_jobs: [{ interval: "20s" }] },
      media_retention: { local_media_lifetime: "90d", remote_media_lifetime: "2w" },
    });
    // 1 year / 1,051,200 = 30 s; purge every 3 s.
    expect(retentionConfig(bum, 1_051_200)).toEqual({
      retention: { enabled: true, default_policy: { max_lifetime: "30s" }, allowed_lifetime_max: "30s", purge_jobs: [{ interval: "3s" }] },
      media_retention: { local_media_lifetime: "90d", remote_media_lifetime: "2w" },
    });
    const vsm = loadProfile("vodafone-secure-messenger");
    expect(retentionConfig(vsm, 1).retention).toMatchObject({ default_policy: { max_lifetime: "30d" } });
  });
  it("runs the media retention job every 10 s at scale 1 and on the scaled clock on scaled instances; the backdating endpoint on hs1 only", () => {
    expect(generateHomeserver(bum, layout, "hs3").modules).toEqual([{ module: "mxaccept_media_retention_clock.MediaRetentionClock", config: { period_ms: 10_000 } }]);
    expect(generateHomeserver(bum, { ...layout, timeScale: 1_051_200 }, "hs2").modules).toEqual([{ module: "mxaccept_media_retention_clock.MediaRetentionClock", config: { period_ms: 1000 } }]);
  });
  it("limits storage per user only where the contract says so, divided by the size scale", () => {
    const vsm = loadProfile("vodafone-secure-messenger");
    expect(storageLimitConfig(vsm, 1)).toEqual({ media_upload_limits: [{ time_period: "30d", max_size: 1024 ** 3 }] });
    expect(storageLimitConfig(vsm, 1024)).toEqual({ media_upload_limits: [{ time_period: "30d", max_size: 1024 ** 2 }] });
    expect(storageLimitConfig(bum, 1024), "BuM storage is pooled, never refused").toEqual({});
    expect(generateHomeserver(bum, layout, "hs1")).not.toHaveProperty("media_upload_limits");
  });
});
