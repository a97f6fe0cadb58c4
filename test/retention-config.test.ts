import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadProfile } from "../src/config/profile.ts";
import { checkRetentionConfig, loadHomeserverConfig } from "../src/checks/retention-config.ts";
import { generateHomeserver, type StackLayout } from "../src/stack/generate.ts";
import { deepMerge, type Yamlish } from "../src/stack/overlay.ts";
import { parseTarget } from "../src/config/target.ts";

const bum = loadProfile("managed-bundesmessenger");
const vsm = loadProfile("vodafone-secure-messenger");
const server = (port: number) => ({ port, dir: `/s/${port}`, secrets: { registration: "r", macaroon: "m", form: "f" } });
const layout: StackLayout = { host: "localhost", servers: { hs1: server(8481), hs2: server(8482), hs3: server(8483) }, tls: { caCert: "/s/ca.crt", cert: "/s/c.crt", key: "/s/c.key" }, timeScale: 1, sizeScale: 1 };

/** The reference's own hs1 config, with an overlay deep-merged as `stack up --overlay` does. */
const reference = (profile = bum, overlay: Yamlish = {}, timeScale = 1) => deepMerge(generateHomeserver(profile, { ...layout, timeScale }, "hs1"), overlay) as Record<string, unknown>;
const ids = (v: ReturnType<typeof checkRetentionConfig>) => ({ messages: v.messages.map((f) => f.key), localMedia: v.localMedia.map((f) => f.key), remoteMedia: v.remoteMedia.map((f) => f.key) });
const none = { messages: [], localMedia: [], remoteMedia: [] };

describe("retention config proof", () => {
  it("passes the reference's own configuration for both profiles, at scale 1 and time-scaled", () => {
    expect(ids(checkRetentionConfig(reference(bum), bum))).toEqual(none);
    expect(ids(checkRetentionConfig(reference(vsm), vsm))).toEqual(none);
    expect(ids(checkRetentionConfig(reference(bum, {}, 1_051_200), bum, 1_051_200))).toEqual(none);
    expect(ids(checkRetentionConfig(reference(vsm, {}, 86_400), vsm, 86_400))).toEqual(none);
  });

  it("fails only the messages id when retention is off, naming key, value and contract", () => {
    const v = checkRetentionConfig(reference(bum, { retention: { enabled: false } }), bum);
    expect(ids(v)).toEqual({ ...none, messages: ["retention.enabled"] });
    expect(v.messages[0]!.reason).toBe("retention.enabled is false: message retention is off, no message is ever deleted (contract: messages deleted after 1y (365 d))");
    // The messenger chart's default: `retention: { enabled: false }` and nothing else; every missing key is named.
    const chart = { ...reference(bum), retention: { enabled: false } };
    expect(ids(checkRetentionConfig(chart, bum))).toEqual({ ...none, messages: ["retention.enabled", "retention.default_policy.max_lifetime", "retention.allowed_lifetime_max"] });
  });

  it("fails only the messages id for a default lifetime longer than the contract's", () => {
    const v = checkRetentionConfig(reference(bum, { retention: { default_policy: { max_lifetime: "400d" } } }), bum);
    expect(ids(v)).toEqual({ ...none, messages: ["retention.default_policy.max_lifetime"] });
    expect(v.messages[0]!.reason).toMatch(/^retention\.default_policy\.max_lifetime is "400d": messages are kept 400 d, longer than the contract's 365 d/);
    expect(ids(checkRetentionConfig(reference(bum, { retention: { default_policy: null } }), bum)).messages).toEqual(["retention.default_policy.max_lifetime"]);
  });

  it("fails VSM for a lifetime shorter than 30 days (content must be kept), BuM not", () => {
    const short = { retention: { default_policy: { max_lifetime: "7d" }, allowed_lifetime_max: "7d" } };
    const v = checkRetentionConfig(reference(vsm, short), vsm);
    expect(ids(v).messages).toEqual(["retention.default_policy.max_lifetime", "retention.allowed_lifetime_max"]);
    expect(v.messages[0]!.reason).toMatch(/deleted after 7 d, before the contract's 30 d \(contract: content kept 30 d\)/);
    expect(ids(checkRetentionConfig(reference(bum, short), bum))).toEqual(none);
  });

  it("fails when no purge job covers the default lifetime or it runs less than daily; Synapse's default job passes", () => {
    const narrow = checkRetentionConfig(reference(bum, { retention: { purge_jobs: [{ longest_max_lifetime: "3d", interval: "12h" }] } }), bum);
    expect(ids(narrow)).toEqual({ ...none, messages: ["retention.purge_jobs"] });
    expect(narrow.messages[0]!.reason).toMatch(/no purge job covers the default lifetime 365 d/);
    const weekly = checkRetentionConfig(reference(bum, { retention: { purge_jobs: [{ interval: "1w" }] } }), bum);
    expect(ids(weekly).messages).toEqual(["retention.purge_jobs[].interval"]);
    // No purge_jobs (or an empty list) is Synapse's default: one daily job over every lifetime.
    expect(ids(checkRetentionConfig(reference(bum, { retention: { purge_jobs: null } }), bum))).toEqual(none);
    expect(ids(checkRetentionConfig(reference(bum, { retention: { purge_jobs: [] } }), bum))).toEqual(none);
    const split = [{ longest_max_lifetime: "3d", interval: "12h" }, { shortest_max_lifetime: "3d", interval: "1d" }];
    expect(ids(checkRetentionConfig(reference(bum, { retention: { purge_jobs: split } }), bum))).toEqual(none);
  });

  it("fails when rooms may keep messages longer (allowed_lifetime_max unset or above the contract)", () => {
    expect(ids(checkRetentionConfig(reference(bum, { retention: { allowed_lifetime_max: null } }), bum)).messages).toEqual(["retention.allowed_lifetime_max"]);
    expect(ids(checkRetentionConfig(reference(bum, { retention: { allowed_lifetime_max: "2y" } }), bum)).messages).toEqual(["retention.allowed_lifetime_max"]);
  });

  it("fails only local media when its lifetime is missing or longer than 90 days", () => {
    const missing = checkRetentionConfig(reference(bum, { media_retention: { local_media_lifetime: null } }), bum);
    expect(ids(missing)).toEqual({ ...none, localMedia: ["media_retention.local_media_lifetime"] });
    expect(missing.localMedia[0]!.reason).toBe("media_retention.local_media_lifetime is unset: such files are never deleted (contract: files sent within the instance deleted after 90d (90 d))");
    expect(ids(checkRetentionConfig(reference(bum, { media_retention: { local_media_lifetime: "180d" } }), bum))).toEqual({ ...none, localMedia: ["media_retention.local_media_lifetime"] });
  });

  it("fails only remote media when its lifetime is longer than 14 days (the chart's 90d default)", () => {
    const v = checkRetentionConfig(reference(bum, { media_retention: { remote_media_lifetime: "90d" } }), bum);
    expect(ids(v)).toEqual({ ...none, remoteMedia: ["media_retention.remote_media_lifetime"] });
    expect(v.remoteMedia[0]!.reason).toMatch(/is "90d": such files are kept 90 d \(contract: files received from federated instances deleted after 2w \(14 d\)\)/);
    expect(ids(checkRetentionConfig(reference(bum, { media_retention: null }), bum))).toEqual({ ...none, localMedia: ["media_retention.local_media_lifetime"], remoteMedia: ["media_retention.remote_media_lifetime"] });
  });

  it("reads durations as Synapse does: integers are milliseconds, unreadable values fail", () => {
    expect(ids(checkRetentionConfig(reference(bum, { media_retention: { remote_media_lifetime: 14 * 86_400_000 } }), bum))).toEqual(none);
    expect(ids(checkRetentionConfig(reference(bum, { media_retention: { remote_media_lifetime: "two weeks" } }), bum)).remoteMedia).toEqual(["media_retention.remote_media_lifetime"]);
  });
});

describe("homeserver config files (MXACCEPT_HOMESERVER_CONFIG)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-hsconfig-"));
  it("merges a comma-separated list of files and folders in order, top-level keys replaced as Synapse does, YAML 1.1", () => {
    writeFileSync(join(dir, "homeserver.yaml"), stringify({ server_name: "x", retention: { enabled: false }, media_retention: { local_media_lifetime: "90d" } }));
    mkdirSync(join(dir, "conf.d"));
    writeFileSync(join(dir, "conf.d", "20-media.yaml"), "media_retention:\n  remote_media_lifetime: 14d\n");
    writeFileSync(join(dir, "conf.d", "10-retention.yaml"), "retention:\n  enabled: yes\n");
    writeFileSync(join(dir, "conf.d", "notes.txt"), "not yaml");
    const { files, config } = loadHomeserverConfig(`${join(dir, "homeserver.yaml")}, ${join(dir, "conf.d")}`);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["homeserver.yaml", "conf.d/10-retention.yaml", "conf.d/20-media.yaml"]);
    expect(config).toEqual({ server_name: "x", retention: { enabled: true }, media_retention: { remote_media_lifetime: "14d" } });
  });
  it("says in one line what is wrong with the file", () => {
    writeFileSync(join(dir, "bad.yaml"), "retention: [\n");
    expect(() => loadHomeserverConfig(join(dir, "bad.yaml"))).toThrow(/^MXACCEPT_HOMESERVER_CONFIG: .*bad\.yaml is not valid YAML/);
    writeFileSync(join(dir, "list.yaml"), "- a\n");
    expect(() => loadHomeserverConfig(join(dir, "list.yaml"))).toThrow(/is not a YAML mapping of homeserver.yaml keys/);
    const base = { MXACCEPT_BASE_URL: "https://m.example.org", MXACCEPT_SERVER_NAME: "example.org", MXACCEPT_ADMIN_TOKEN: "syt_0123456789" };
    expect(() => parseTarget({ ...base, MXACCEPT_HOMESERVER_CONFIG: "/nonexistent/homeserver.yaml" }, "t.env")).toThrow("target t.env: MXACCEPT_HOMESERVER_CONFIG names /nonexistent/homeserver.yaml, which does not exist: export the instance's rendered homeserver.yaml there.");
    expect(parseTarget({ ...base, MXACCEPT_HOMESERVER_CONFIG: join(dir, "homeserver.yaml") }, "t.env").homeserverConfig).toBe(join(dir, "homeserver.yaml"));
  });
});
