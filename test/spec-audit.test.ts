import { describe, expect, it } from "vitest";
import { projectRoot } from "../src/config/paths.ts";
import { auditSpecs, auditSpecSource } from "./helpers/spec-audit.ts";

describe("spec audit: fixtures own all bookkeeping", () => {
  it("no spec writes a ledger row, creates a room or registers a user itself, catches MatrixError, builds a UserFactory or reads a file beside the target", () => {
    const r = auditSpecs(projectRoot());
    expect(r.files).toBeGreaterThan(25);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.code}`), "use the fixtures (fixtures/index.ts: rooms, users, media, reference)").toEqual([]);
  });

  it("flags each way a spec can do a fixture's bookkeeping itself, and passes the fixtures' way", () => {
    const bad = auditSpecSource("scenarios/x.spec.ts", [
      `ledger.record({ kind: "room", id: roomId, server, test: testInfo.title });`,
      `const { room_id } = await alice.client.createRoom({ name: "x" });`,
      `await requestJson(u.baseUrl, "POST", "_matrix/client/v3/createRoom", { token, body: {} });`,
      `await requestJson(target.baseUrl, "POST", "_matrix/client/v3/register", { body: {} });`,
      `try { await f(); } catch (e) { if (!(e instanceof MatrixError)) throw e; }`,
      `const factory = new UserFactory(target, admin, ctx.runId, ledger);`,
      `await setCrossTenant(dirname(ctx.targetFile), "on");`,
      `import { referenceDb } from "../../src/stack/reference-db.ts";`,
      `const u = { userId, localpart, password, accessToken: s.access_token };`,
      `await deployment(hs).register({ username, password });`,
      `const l = new Ledger(file);`,
    ].join("\n"));
    expect(bad.map((f) => `${f.line} ${f.rule}`)).toEqual([
      "1 ledger-row", "2 create-room", "3 create-room", "4 register", "5 matrix-error", "6 user-factory", "7 beside-target",
      "8 beside-target", "9 user-factory", "10 register", "11 ledger-row",
    ]);
    const good = auditSpecSource("scenarios/y.spec.ts", [
      `const roomId = await rooms.plain(alice, { preset: "public_chat", name: "x" });`,
      `const dm = await rooms.create(alice, { isDirect: true, invite: [bob.userId] });`,
      `const admin2 = await users.create("tenant-admin", { admin: true });`,
      `const reg = await users.tryRegister("selfreg");`,
      `const refused = await media.tryUpload(u, bytes);`,
      `if (!reference) return;`,
      `const db = reference.db("instance");`,
      `// createRoom has returned: the initial state is complete`,
    ].join("\n"));
    expect(good).toEqual([]);
  });
});
