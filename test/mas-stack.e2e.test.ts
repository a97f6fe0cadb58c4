import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTarget, type Target } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { newRunId } from "../src/config/run-id.ts";
import { requestJson } from "../src/matrix/http.ts";
import { MasAdmin, SYNAPSE_ADMIN_SCOPE } from "../src/matrix/mas-admin.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import { portInUse } from "../src/stack/ports.ts";
import { isOurProcess, readState } from "../src/stack/state.ts";
import { masTitle, noMas } from "./helpers/mas-build.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * A real Matrix Authentication Service beside the reference (`stack up --topology production --with mas`), from the
 * user's own build (MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE; the project never builds MAS). Through MAS's admin API
 * (src/matrix/mas-admin.ts): a user made in MAS logs in with `m.login.password` on hs1's public URL (nginx sends
 * /login to MAS) and Synapse accepts the token; Synapse's shared-secret registration is gone; a personal session of
 * an admin-capable user is accepted by Synapse's admin API; MAS's admin API answers only on its internal listener;
 * a deactivated user cannot log in; `stack down` leaves no MAS process.
 *
 * The production topology binds 127.0.0.1:443 and :80: the file waits until test/topology.e2e.test.ts (or another
 * production instance) has let them go.
 */
const title = masTitle("a real MAS beside the reference (stack up --topology production --with mas)");

describe.skipIf(noMas)(title, () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-mas-stack-"));
  const stateDir = join(dir, "state");
  const env = { MXACCEPT_STATE_DIR: stateDir, MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  const tag = `mxa-${newRunId()}`;
  const password = `${tag}-Pass-${Math.random().toString(36).slice(2)}!`;
  let target: Target;
  let mas: MasAdmin;
  let upOutput = "";
  let masProcess: { pid: number; match: string } | undefined;
  let alice: { id: string; username: string };

  beforeAll(async () => {
    await waitFor("127.0.0.1:443 and :80 to be free (another production topology)", async () => (!(await portInUse(443)) && !(await portInUse(80)) ? true : undefined), { timeoutMs: 1_800_000, intervalMs: 1000 });
    const t0 = performance.now();
    const up = await mxaccept(["stack", "up", "--topology", "production", "--with", "mas"], env, 600_000);
    upOutput = up.stderr + up.stdout;
    expect(up.code, upOutput).toBe(0);
    console.log(`stack up --topology production --with mas: ${((performance.now() - t0) / 1000).toFixed(1)} s; ${/MAS ready in [\d.]+ s[^\n]*/.exec(upOutput)?.[0] ?? "no MAS start time"}`);
    const part = readState(stateDir)?.parts?.find((p) => p.part === "mas");
    masProcess = part && { pid: part.pid, match: part.match };
    target = loadTarget(join(stateDir, "target.env"));
    trustCa(target.caFile!);
    mas = MasAdmin.fromTarget(target.mas);
  }, 2_400_000);

  afterAll(async () => {
    const down = await mxaccept(["stack", "down"], env);
    expect(down.code, down.stderr).toBe(0);
    expect(masProcess, "stack up recorded MAS's process").toBeDefined();
    expect(isOurProcess(masProcess!.pid, masProcess!.match), "stack down leaves no MAS process").toBe(false);
  }, 120_000);

  const login = (user: string, pw: string) => requestJson<{ access_token: string; user_id: string }>(target.baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password: pw },
    accept: [400, 401, 403],
  });

  it("the target file names MAS (public and admin URL, the harness's client), and neither hs1's admin token nor its shared secret", () => {
    expect(upOutput).toMatch(/MAS ready in [\d.]+ s/);
    const text = readFileSync(join(stateDir, "target.env"), "utf8");
    expect(target.mas?.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(target.mas?.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(target.mas?.clientId).toBeTruthy();
    expect(text).not.toMatch(/^MXACCEPT_ADMIN_TOKEN=/m);
    expect(text).not.toMatch(/^MXACCEPT_REGISTRATION_SHARED_SECRET=/m);
    expect(text).toMatch(/^MXACCEPT_PARTNER_REGISTRATION_SHARED_SECRET=/m);
    expect(text).toMatch(/^MXACCEPT_OUTSIDER_ADMIN_TOKEN=/m);
  });

  it("hs1 announces MAS: client well-known (MSC2965) and Synapse's auth_metadata", async () => {
    const issuer = `${target.mas!.url}/`;
    const wellKnown = await requestJson<Record<string, { issuer?: string }>>(target.baseUrl, "GET", ".well-known/matrix/client");
    expect(wellKnown.body["org.matrix.msc2965.authentication"]?.issuer).toBe(issuer);
    const metadata = await requestJson<{ issuer: string; token_endpoint: string }>(target.baseUrl, "GET", "_matrix/client/v1/auth_metadata");
    expect(metadata.body.issuer).toBe(issuer);
    expect(metadata.body.token_endpoint.startsWith(issuer)).toBe(true);
  });

  it("a user made through MAS's admin API logs in with m.login.password on hs1's public URL, and Synapse accepts the token", async () => {
    const created = await mas.createUser(`${tag}-alice`);
    alice = { id: created.id, username: created.username };
    expect(await mas.userByUsername(alice.username)).toMatchObject({ id: alice.id, deactivatedAt: null });
    await mas.setPassword(alice.id, password);
    const r = await login(alice.username, password);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.user_id).toBe(`@${alice.username}:${target.serverName}`);
    const who = await requestJson<{ user_id: string }>(target.baseUrl, "GET", "_matrix/client/v3/account/whoami", { token: r.body.access_token, accept: [401] });
    expect(who.status).toBe(200);
    expect(who.body.user_id).toBe(r.body.user_id);
  });

  it("Synapse's shared-secret registration is gone (/_synapse/admin/v1/register: 404)", async () => {
    const r = await requestJson(target.adminBaseUrl!, "GET", "_synapse/admin/v1/register", { accept: [404] });
    expect(r.status).toBe(404);
  });

  it("a personal session of an admin-capable user is accepted by Synapse's admin API", async () => {
    const admin = await mas.createUser(`${tag}-admin`);
    expect((await mas.setCanRequestAdmin(admin.id, true)).admin).toBe(true);
    const session = await mas.personalSession(admin.id, SYNAPSE_ADMIN_SCOPE, `${tag} admin`);
    if (!session.offered) throw new Error(session.reason);
    const users = await requestJson<{ users: { name: string }[] }>(target.adminBaseUrl!, "GET", "_synapse/admin/v2/users", { token: session.accessToken, query: { guests: false }, accept: [401, 403] });
    expect(users.status, JSON.stringify(users.body)).toBe(200);
    expect(users.body.users.map((u) => u.name)).toContain(`@${admin.username}:${target.serverName}`);
  });

  it("MAS's admin API answers on the admin URL, not on MAS's public URL", async () => {
    expect(await mas.version()).toBeTruthy();
    const onPublic = await requestJson(target.mas!.url, "GET", "api/admin/v1/version", { token: await mas.token(), accept: [404] });
    expect(onPublic.status).toBe(404);
  });

  it("a deactivated user cannot log in", async () => {
    expect(alice, "the login case made alice").toBeDefined();
    const sessions = await mas.finishSessions(alice.id);
    expect(sessions.compat, "alice's /login session").toBe(1);
    expect((await mas.deactivate(alice.id)).deactivatedAt).toBeTruthy();
    const r = await login(alice.username, password);
    expect(r.status, JSON.stringify(r.body)).not.toBe(200);
    expect([401, 403]).toContain(r.status);
  });

  it("cleanup on MAS: a kept run's accounts are removed by 'cleanup --run', an old run's by 'cleanup --stale', without an admin token in the target file, and no account of the harness stays active in MAS", async () => {
    const run = await mxaccept(["run", "--target", join(stateDir, "target.env"), "--suite", "security", "--grep", "SEC-anonymous", "--keep-data"], env, 600_000);
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4}):/.exec(run.stderr)?.[1];
    expect(runId, run.stderr.slice(-1500)).toBeTruthy();
    const active = async (search: string) => (await mas.activeUsers(search)).map((u) => u.username);
    expect((await active(`mxa-${runId}-`)).length, "the kept run's accounts are active in MAS").toBeGreaterThan(0);
    const clean = await mxaccept(["cleanup", "--target", join(stateDir, "target.env"), "--run", runId!], env);
    expect(clean.code, clean.stderr + clean.stdout).toBe(0);
    expect(await active(`mxa-${runId}-`), "no account of the run is active in MAS").toEqual([]);

    // A crashed run three hours ago: a user in MAS (and so on Synapse) with that run's tag, and no ledger.
    const old = newRunId(new Date(Date.now() - 3 * 3600_000));
    await mas.createUser(`mxa-${old}-abc123-orphan`);
    const stale = await mxaccept(["cleanup", "--target", join(stateDir, "target.env"), "--stale", "--older-than", "2h"], env);
    expect(stale.code, stale.stderr + stale.stdout).toBe(0);
    expect(await active(`mxa-${old}-`), "the old run's account is deactivated in MAS").toEqual([]);
    expect((await active("mxa-")).filter((u) => !u.startsWith(tag) && (u.endsWith("-cleanup") || u.endsWith("-admin"))), "cleanup's and the run's own MAS admins are gone too").toEqual([]);
  }, 900_000);
});
