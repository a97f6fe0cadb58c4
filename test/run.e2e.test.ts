import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * The other direction: the harness must fail an instance that breaks a requirement. With encryption by default
 * switched off on hs1, BUM-2.1.d's server-default check (rooms encrypted without the client asking) fails while
 * BUM-2.1.a1 passes (the client encrypts as Element does), and the run exits non-zero. The instance started for the
 * run is stopped afterwards, and the run's table, record, fingerprint and report say what happened (and hold no
 * secret). The messaging suite's other broken instance is in test/messaging.e2e.test.ts.
 */
describe("a broken instance fails the right requirement", () => {
  it("encryption by default off fails BUM-2.1.d (its server-default check); BUM-2.1.a1 passes, the client encrypts", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-run-"));
    const overlay = join(dir, "no-default-encryption.yaml");
    writeFileSync(overlay, "encryption_enabled_by_default_for_room_type: 'off'\n");
    const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };

    const run = await mxaccept(["run", "--suite", "messaging", "--grep", "BUM-2\\.1\\.(a1|d) ", "--overlay", overlay], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/stopped the reference instance started for this run/);

    const [runId] = readdirSync(join(dir, "reports"));
    const results = JSON.parse(readFileSync(join(dir, "reports", runId!, "results.json"), "utf8")) as Results;
    const d = results.requirements.find((r) => r.id === "BUM-2.1.d")!;
    expect(d.status).toBe("failed");
    expect(d.reason).toMatch(/m\.room\.encryption/);
    expect(d.reason).toMatch(/created without asking for encryption .*left the room unencrypted/);
    expect(Object.fromEntries(d.tests.map((t) => [t.title.replace(/^BUM-2\.1\.d VSM-2\.2\.e2ee /, ""), t.status])), "only the server-default check of BUM-2.1.d fails").toEqual({
      "rooms and direct chats are encrypted by the server's default, without the client asking": "failed",
      "the server stores only ciphertext of messages and files (its copy read with the admin API)": "passed",
      "attachment blobs are ciphertext, and a member who joins later cannot read earlier messages": "passed",
    });
    expect(results.requirements.find((r) => r.id === "BUM-2.1.a1")?.status, "BUM-2.1.a1: the client encrypts its rooms").toBe("passed");
    expect(results.summary.failed).toBe(1);
    expect(results.summary.passed).toBe(1);
    expect(run.stdout).toMatch(/BUM-2\.1\.d\s+FAIL/);

    // The acceptance record says so in both languages, with the configuration fingerprint of the broken instance.
    const record = readFileSync(join(dir, "reports", runId!, "acceptance.html"), "utf8");
    for (const lang of ["de", "en"]) {
      // Its row in the requirement table, and its evidence after the table.
      const section = record.split(`<section class="lang" lang="${lang}"`)[1]!;
      const row = section.split('<td class="id">BUM-2.1.d</td>')[1]!.split("</tbody>")[0]! + (section.split('<div class="evreq" data-id="BUM-2.1.d">')[1]?.split('<div class="evreq"')[0] ?? "");
      expect(row).toContain(lang === "de" ? "nicht bestanden" : ">failed<");
      expect(row).toContain("m.room.encryption");
    }
    const instance = JSON.parse(readFileSync(join(dir, "reports", runId!, "instance.json"), "utf8")) as { fingerprint: string; inputs: { name: string; sha256?: string }[] };
    expect(instance.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(instance.inputs.find((i) => i.name === "homeserver.yaml")?.sha256).toBeDefined();

    // The failed check attaches what its clients did: the requests of its users with the server's answers.
    const logs: string[] = [];
    const find = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(find);
      else if (v && typeof v === "object") {
        const o = v as { name?: unknown; path?: unknown };
        if (o.name === "client-log" && typeof o.path === "string") logs.push(o.path);
        Object.values(v).forEach(find);
      }
    };
    find(JSON.parse(readFileSync(join(dir, "reports", runId!, "playwright.json"), "utf8")));
    expect(logs.length, "the failed BUM-2.1.d check has a client log").toBe(1);
    const log = readFileSync(logs[0]!, "utf8");
    expect(log).toMatch(new RegExp(`http @mxa-${runId}-[^ ]+ POST https://[^ ]+/_matrix/client/v3/createRoom → 200`));
    expect(log).not.toMatch(/syt_[A-Za-z0-9]/);

    // The report holds no secret of the instance it ran against.
    const target = readFileSync(join(dir, "state", "target.env"), "utf8");
    const secrets = [...target.matchAll(/^MXACCEPT_\w+_(?:TOKEN|SECRET)=(.+)$/gm)].map((m) => m[1]!);
    expect(secrets.length).toBeGreaterThan(0);
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk(join(dir, "reports"))) {
      const text = readFileSync(f, "utf8");
      for (const s of secrets) expect(text.includes(s), `${f} contains a secret`).toBe(false);
    }
  });
});
