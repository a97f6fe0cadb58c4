import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify, parse } from "yaml";
import { loadProfile, parseProfile, listProfiles, profilePath } from "../src/config/profile.ts";
import { SUITES, MANUAL_SUITES } from "../src/config/suites.ts";
import { projectRoot } from "../src/config/paths.ts";

// Every id of shared/REQUIREMENTS.md, by profile (baseline security ids belong to both).
const SEC = ["SEC-admin-surface", "SEC-bruteforce", "SEC-anonymous"];
const BUM = ["BUM-2.1.a1", "BUM-2.1.a2", "BUM-2.1.b", "BUM-2.1.c", "BUM-2.1.d", "BUM-2.1.e", "BUM-2.1.f", "BUM-2.1.g", "BUM-2.1.h", "BUM-2.2", "BUM-2.3", "BUM-2.4",
  "BUM-2.5.messages", "BUM-2.5.local-media", "BUM-2.5.remote-media", "BUM-2.6", "BUM-2.7.idm", "BUM-2.7.app", "BUM-3.1", "BUM-3.2.6", "BUM-3.2.7", "BUM-5.3.c", "BUM-5.3.e", "BUM-7"];
const VSM = ["VSM-1", "VSM-2.1.isolation", "VSM-2.1.cross-tenant", "VSM-2.1.no-public-bridge", "VSM-2.2.e2ee", "VSM-2.2.retention", "VSM-2.2.storage", "VSM-2.2.groups", "VSM-2.2.tls",
  "VSM-2.3.alerting", "VSM-2.3.panic", "VSM-2.3.bots", "VSM-3.1", "VSM-4.2.roles", "VSM-4.2.group-limit", "VSM-5.1", "VSM-5.2", "VSM-7"];

describe("profiles", () => {
  it("the suites are listed once: each is a scenarios folder (but the manual ones), and every folder is a suite", () => {
    const folders = readdirSync(join(projectRoot(), "scenarios"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(folders).toEqual(SUITES.filter((s) => !MANUAL_SUITES.includes(s)).sort());
  });

  it("lists both shipped profiles", () => {
    expect(listProfiles()).toEqual(["managed-bundesmessenger", "vodafone-secure-messenger"]);
  });
  it("managed-bundesmessenger has every BUM and SEC id once, with the contract numbers", () => {
    const p = loadProfile("managed-bundesmessenger");
    expect(p.requirements.map((r) => r.id).sort()).toEqual([...BUM, ...SEC].sort());
    expect(p.contract.availabilityTarget).toBe(0.999);
    expect(p.contract.messageLifetime).toBe("365d");
    expect(p.contract.prices?.workedExample).toEqual({ users: 960, storageGB: 1000, totalEur: 2896 });
    expect(p.requirements.find((r) => r.id === "BUM-3.2.6")?.check).toBe("manual");
  });
  it("vodafone-secure-messenger has every VSM and SEC id once, with the contract numbers", () => {
    const p = loadProfile("vodafone-secure-messenger");
    expect(p.requirements.map((r) => r.id).sort()).toEqual([...VSM, ...SEC].sort());
    expect(p.contract.groupSizeLimit).toBe(1250);
    expect(p.contract.availabilityTarget).toBe(0.97);
    expect(p.requirements.find((r) => r.id === "VSM-5.1")?.check).toBe("manual");
  });
  it("agrees with shared/REQUIREMENTS.md where it is present", () => {
    const f = join(projectRoot(), "..", "shared", "REQUIREMENTS.md");
    if (!existsSync(f)) return; // the catalogue lives beside the project, not in it
    const ids = [...readFileSync(f, "utf8").matchAll(/^\| ((?:BUM|VSM|SEC)-[^ |]+) \|/gm)].map((m) => m[1]);
    expect(ids.sort()).toEqual([...new Set([...BUM, ...VSM, ...SEC])].sort());
  });
  it("names an unknown profile and the known ones", () => {
    expect(() => loadProfile("nope")).toThrow(/unknown profile "nope": use one of managed-bundesmessenger, vodafone-secure-messenger/);
  });
  it("rejects a duplicate id, a manual item without reason, and a bad duration, naming the key", () => {
    const raw = parse(readFileSync(profilePath("managed-bundesmessenger"), "utf8"));
    const dup = structuredClone(raw);
    dup.requirements.push(dup.requirements[0]);
    expect(() => parseProfile(stringify(dup), "dup.yaml")).toThrow(/requirements\.\d+\.id: duplicate id BUM-2.1.a1/);
    const manual = structuredClone(raw);
    manual.requirements[0].check = "manual";
    expect(() => parseProfile(stringify(manual), "m.yaml")).toThrow(/manual requirement needs manualReason/);
    const dur = structuredClone(raw);
    dur.contract.messageLifetime = "one year";
    expect(() => parseProfile(stringify(dur), "d.yaml")).toThrow(/contract\.messageLifetime: must be a duration/);
    expect(() => parseProfile("a: [", "broken.yaml")).toThrow(/not valid YAML/);
  });
});
