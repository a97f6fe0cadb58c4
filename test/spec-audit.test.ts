import { describe, expect, it } from "vitest";
import { projectRoot } from "../src/config/paths.ts";
import { auditSpecs, auditSpecSource } from "./helpers/spec-audit.ts";

describe("spec audit: fixtures own all bookkeeping, one wait style, one request style", () => {
  it("no spec writes a ledger row, creates a room or registers a user itself, catches MatrixError, builds a UserFactory or reads a file beside the target; none polls, sleeps, loops on a deadline, matches error text or catches all", () => {
    const r = auditSpecs(projectRoot());
    expect(r.files).toBeGreaterThan(25);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.code}`), "use the fixtures (fixtures/index.ts: rooms, users, media, reference), waitFor/syncUntil, and accept: [...] or the try… helpers").toEqual([]);
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

  it("flags each other way to wait, and each way to read a refusal from an error, and passes waitFor, syncUntil, accept and the try… helpers", () => {
    const bad = auditSpecSource("scenarios/z.spec.ts", [
      `await expect.poll(async () => (await f()).status, { timeout: 5000 }).toBe(200);`,
      `await new Promise((r) => setTimeout(r, 1000));`,
      `import { setTimeout as sleep } from "node:timers/promises";`,
      `await page.waitForTimeout(500);`,
      `const deadline = Date.now() + 30_000; while (Date.now() < deadline) { if (await ok()) break; }`,
      `for (;;) { if (performance.now() > until) throw new Error("late"); await step(); }`,
      `if ((e as Error).message.includes("M_FORBIDDEN")) return;`,
      `expect(/403/.test(err.message)).toBe(true);`,
      `await expect(f()).rejects.toThrow(/M_LIMIT_EXCEEDED/);`,
      `const e = await requestJson(u, "GET", "x").then(() => undefined, (e) => e);`,
      `const s = await whoami().catch(() => 200);`,
      `try { await f(); } catch (e) { status = (e as { status: number }).status; }`,
      `try { await fetch(u); } catch (e) { return { error: (e as { cause?: { code?: string } }).cause?.code }; }`,
      `await waitFor("the message to be half a lifetime old", async () => (Date.now() >= sentAt + half ? true : undefined), { timeoutMs });`,
    ].join("\n"));
    expect(bad.map((f) => `${f.line} ${f.rule}`)).toEqual([
      "1 poll", "2 sleep", "3 sleep", "4 sleep", "5 deadline-loop", "6 deadline-loop", "7 error-text", "8 error-text", "9 error-text",
      "10 catch-all", "11 catch-all", "12 catch-all", "13 catch-all", "14 sleep",
    ]);
    const good = auditSpecSource("scenarios/w.spec.ts", [
      `await waitFor("the room to be purged", async (p) => { const r = await get(); p.note(String(r.status)); return r.status === 404 ? true : undefined; }, { timeoutMs: 30_000 });`,
      `await syncUntil(bob.client, membershipIs(roomId, bob.userId, "join"));`,
      `const status = (await tryWaitFor("the session to end", async () => undefined, { timeoutMs: 1000 })) ?? 200;`,
      `const r = await requestJson(u.baseUrl, "GET", "x", { token, accept: [403, 404] }); expect(r.status).toBe(403);`,
      `const m = await tryFetchText(url, { redirect: "manual" }); if ("error" in m) problems.push(m.error);`,
      `test.setTimeout(scaled(180_000)); testInfo.setTimeout(testInfo.timeout * 2);`,
      `await shot("failed").catch(() => {});`,
      `const deadline = plan.lifetimeMs + 30_000; const t0 = Date.now();`,
      `for (let pages = 0; pages < 10 && missing.length; pages++) await next();`,
      `try { await step(); } catch (e) { failures.push((e as Error).message.split("\\n")[0]); }`,
    ].join("\n"));
    expect(good).toEqual([]);
  });
});
