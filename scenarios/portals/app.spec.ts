import { test, expect } from "../../fixtures/browser.ts";
import { appPortal, looksGerman } from "../../fixtures/app-portal.ts";
import { evidence, inconclusive } from "../../fixtures/index.ts";
import { download, parseMxc, upload } from "../../src/matrix/attachments.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";

/**
 * BUM-2.7.app: every function of the application management portal, through the API the portal uses (the Synapse
 * admin API at MXACCEPT_ADMIN_API_URL, default the base URL), each confirmed by its effect: rooms and files listed
 * and deleted, version, configuration facts and statistics read, administrators listed, granted and revoked.
 * The portal itself is a check of its own: with MXACCEPT_APP_PORTAL_URL the same functions are done in the portal
 * (page object by MXACCEPT_APP_PORTAL_KIND, default synapse-admin) in a German Chromium, each confirmed through
 * the admin API. Without it that check skips, and BUM-2.7.app stays incomplete: the API alone does not show that
 * the provider's portal offers the functions.
 */

const enc = encodeURIComponent;

test("BUM-2.7.app portal API: list and delete rooms", async ({ deployment, users, rooms, tag }, testInfo) => {
  const api = deployment.instance.portalApiUrl;
  test.skip(!deployment.instance.adminToken, "no admin token for the instance (MXACCEPT_ADMIN_TOKEN, or the run's admin): the portal's API needs an admin's token");
  const token = deployment.instance.adminToken!;
  const owner = await users.create("roomowner");
  const roomId = await rooms.plain(owner, { name: `${tag} portal room` });
  const { body: list } = await requestJson<{ rooms: { room_id: string; name: string | null }[] }>(api, "GET", "_synapse/admin/v1/rooms", { token, query: { search_term: tag } });
  expect(list.rooms.map((r) => r.room_id), "the portal's room list shows the new room").toContain(roomId);
  await deployment.instance.portalAdmin(token).deleteRoom(roomId);
  const after = await requestJson(api, "GET", `_synapse/admin/v1/rooms/${enc(roomId)}`, { token, accept: [404] });
  expect(after.status, "the deleted room is gone from the server").toBe(404);
  const joined = await requestJson<{ joined_rooms: string[] }>(owner.baseUrl, "GET", "_matrix/client/v3/joined_rooms", { token: owner.accessToken });
  expect(joined.body.joined_rooms, "its member is no longer in it").not.toContain(roomId);
  await evidence(testInfo, { listed: list.rooms.length, deleted: roomId });
});

test("BUM-2.7.app portal API: list and delete files", async ({ deployment, users }, testInfo) => {
  const api = deployment.instance.portalApiUrl;
  test.skip(!deployment.instance.adminToken, "no admin token for the instance (MXACCEPT_ADMIN_TOKEN, or the run's admin): the portal's API needs an admin's token");
  const token = deployment.instance.adminToken!;
  const user = await users.create("fileowner");
  const mxc = await upload(user, new TextEncoder().encode(`portal file ${Date.now()}`), "text/plain", "portal.txt");
  const { server, mediaId } = parseMxc(mxc);
  const { body: media } = await requestJson<{ media: { media_id: string }[] }>(api, "GET", `_synapse/admin/v1/users/${enc(user.userId)}/media`, { token });
  expect(media.media.map((m) => m.media_id), "the portal's file list of the user shows the upload").toContain(mediaId);
  const { body: deleted } = await requestJson<{ deleted_media: string[]; total: number }>(api, "DELETE", `_synapse/admin/v1/media/${enc(server)}/${enc(mediaId)}`, { token });
  expect(deleted.deleted_media).toContain(mediaId);
  expect((await download(user, mxc)).status, "the deleted file is no longer served").toBe(404);
  await evidence(testInfo, { deleted: mxc });
});

test("BUM-2.7.app portal API: version, configuration facts and statistics", async ({ deployment, users }, testInfo) => {
  const api = deployment.instance.portalApiUrl;
  test.skip(!deployment.instance.adminToken, "no admin token for the instance (MXACCEPT_ADMIN_TOKEN, or the run's admin): the portal's API needs an admin's token");
  const token = deployment.instance.adminToken!;
  const { body: version } = await requestJson<{ server_version: string }>(api, "GET", "_synapse/admin/v1/server_version", { token });
  expect(version.server_version, "the server names its version").toMatch(/^\d+\.\d+/);
  const { body: mediaConfig } = await requestJson<Record<string, unknown>>(api, "GET", "_matrix/client/v1/media/config", { token });
  expect(mediaConfig["m.upload.size"], "the upload limit is readable").toEqual(expect.any(Number));
  // Where login is delegated (MAS), registration is MAS's too and Synapse serves no registration tokens (404).
  const delegated = deployment.instance.caps?.loginDelegated.present === true;
  const tokens = await requestJson<{ registration_tokens?: unknown[]; errcode?: string }>(api, "GET", "_synapse/admin/v1/registration_tokens", { token, accept: delegated ? [404] : [] });
  if (tokens.status === 200) expect(Array.isArray(tokens.body.registration_tokens), "the registration tokens are readable").toBe(true);
  const { body: destinations } = await requestJson<{ destinations: unknown[]; total: number }>(api, "GET", "_synapse/admin/v1/federation/destinations", { token });
  expect(typeof destinations.total).toBe("number");

  // Statistics follow what users do: a fresh upload shows up in the user's media statistics.
  const user = await users.create("statsuser");
  const bytes = new TextEncoder().encode("x".repeat(4096));
  await upload(user, bytes, "text/plain");
  const { body: stats } = await requestJson<{ users: { user_id: string; media_count: number; media_length: number }[] }>(api, "GET", "_synapse/admin/v1/statistics/users/media", { token, query: { search_term: user.localpart } });
  const mine = stats.users.find((u) => u.user_id === user.userId);
  expect(mine, "the media statistics list the user who uploaded").toBeDefined();
  expect(mine!.media_count).toBeGreaterThanOrEqual(1);
  expect(mine!.media_length).toBeGreaterThanOrEqual(bytes.length);
  await evidence(testInfo, { serverVersion: version.server_version, uploadLimit: mediaConfig["m.upload.size"], registrationTokens: tokens.status === 200 ? tokens.body.registration_tokens?.length : `not Synapse's where login is delegated (${tokens.status} ${tokens.body.errcode ?? ""})`, federationDestinations: destinations.total, mediaStats: mine });
});

test("BUM-2.7.app portal API: list, grant and revoke administrators", async ({ deployment, users }, testInfo) => {
  const api = deployment.instance.portalApiUrl;
  test.skip(!deployment.instance.adminToken, "no admin token for the instance (MXACCEPT_ADMIN_TOKEN, or the run's admin): the portal's API needs an admin's token");
  if (deployment.instance.caps?.loginDelegated.present) {
    inconclusive(testInfo, "login is delegated to MAS: an administrator is a MAS user allowed the admin scope (can_request_admin), which the Synapse admin API the portal uses cannot grant; confirm how the operator grants and revokes administrators");
    return;
  }
  const admin = deployment.instance.portalAdmin(deployment.instance.adminToken!);
  const user = await users.create("newadmin");
  const asUser = () => requestJson(api, "GET", "_synapse/admin/v2/users", { token: user.accessToken, query: { limit: 1 }, accept: [403] });
  expect((await asUser()).status, "before the grant the user is refused by the admin API").toBe(403);
  await admin.putUser(user.userId, { admin: true });
  let admins: { users: { name: string; admin: boolean | number }[] };
  try {
    ({ body: admins } = await requestJson<{ users: { name: string; admin: boolean | number }[] }>(api, "GET", "_synapse/admin/v2/users", { token: deployment.instance.adminToken!, query: { admins: true, name: user.localpart, guests: false } }));
    expect(admins.users.map((u) => u.name), "the administrator list shows the new admin").toContain(user.userId);
    expect((await asUser()).status, "after the grant the user may use the admin API").toBe(200);
  } finally {
    // Never leave the grant behind, also when a check above failed.
    await admin.putUser(user.userId, { admin: false });
  }
  expect((await asUser()).status, "after the revocation the user is refused again").toBe(403);
  await evidence(testInfo, { granted: user.userId, admins: admins.users.length });
});

test("BUM-2.7.app application management portal in the browser: rooms, files, configuration, statistics, administrators", async ({ target, deployment, page, shot, users, rooms, admin, tag }, testInfo) => {
  test.skip(!target.appPortalUrl, "target file names no MXACCEPT_APP_PORTAL_URL (the application management portal's URL): the portal's functions are unproven in the browser");
  testInfo.setTimeout(testInfo.timeout * 2);
  // Every portal function is a step of its own: a step that fails is recorded with its reason and the journey goes
  // on with the steps that do not need it, so the report names the function the portal could not do and shows the
  // others done. The check fails when any step failed.
  const timings: Record<string, number> = {};
  const steps: Record<string, "passed" | "failed" | "not done"> = {};
  const failures: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>, needs: string[] = []): Promise<T | undefined> => test.step(name, async () => {
    const missing = needs.filter((n) => steps[n] !== "passed");
    if (missing.length) {
      steps[name] = "not done";
      return undefined;
    }
    const t0 = performance.now();
    try {
      const out = await fn();
      steps[name] = "passed";
      return out;
    } catch (e) {
      steps[name] = "failed";
      // eslint-disable-next-line no-control-regex
      failures.push(`${name}: ${(e as Error).message.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).find(Boolean) ?? "failed"}`);
      await shot(`failed ${name}`).catch(() => {});
      return undefined;
    } finally {
      timings[name] = Math.round(performance.now() - t0);
    }
  });

  // What the journey works on, made through the API: a room, a file, a user to make administrator, and the
  // portal's own run-tagged administrator account (password; removed by the run's cleanup like every test user).
  const portalAdmin = await users.create("portaladmin", { admin: true });
  const owner = await users.create("roomowner");
  const roomName = `${tag} portal room`;
  const roomId = await rooms.plain(owner, { name: roomName });
  const bytes = new TextEncoder().encode(`portal file ${tag} `.repeat(64));
  const mxc = await upload(owner, bytes, "text/plain", "portal.txt");
  const { mediaId } = parseMxc(mxc);
  const candidate = await users.create("newadmin");
  const candidateCanAdmin = async () => (await requestJson(deployment.instance.portalApiUrl, "GET", "_synapse/admin/v2/users", { token: candidate.accessToken, query: { limit: 1 }, accept: [403] })).status === 200;
  const started = performance.now();

  const portal = appPortal(page, target);
  // Without a login nothing else can be done in the portal: this step fails the check at once.
  const t0 = performance.now();
  const login = await test.step("log in with the portal's form", () => portal.login({ homeserverUrl: deployment.instance.portalApiUrl, username: portalAdmin.localpart, password: portalAdmin.password }));
  timings["log in with the portal's form"] = Math.round(performance.now() - t0);
  await shot("logged in");
  let nav: string[] = [];
  await step("German labels and the server's version", async () => {
    nav = await portal.navigationLabels();
    expect(looksGerman([...login.labels, ...nav]), `the portal speaks German (login form: ${login.labels.join(" | ")}; navigation: ${nav.join(" | ")})`).toBe(true);
    const version = await admin.serverVersion();
    if (login.serverVersion) expect(login.serverVersion, "the version the portal shows is the server's").toContain(version);
  });

  // Rooms: found with the portal's search on a busy instance, viewed, deleted.
  await step("find and view the room", async () => {
    const roomView = await portal.openRoom(roomName, roomId);
    await shot("room view");
    expect(roomView, "the portal's room view shows the room's name").toContain(roomName);
  });
  await step("delete the room", async () => {
    await portal.deleteRoom(roomId);
    await shot("room deleted");
    await waitFor("the server to finish deleting the room the portal deleted", async () => {
      const r = await admin.request<{ results: { status: string }[] }>("GET", `_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`, { accept: [404] });
      return r.status === 200 && r.body.results.some((x) => x.status === "complete") ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    expect((await admin.request("GET", `_synapse/admin/v1/rooms/${enc(roomId)}`, { accept: [404] })).status, "the room the portal deleted is gone from the server").toBe(404);
    expect(await admin.joinedRooms(owner.userId), "its member is no longer in it").not.toContain(roomId);
  }, ["find and view the room"]);

  // Statistics and files: the upload shows in the user's media statistics and file list; deleted in the portal.
  const statsRow = await step("view the media statistics", async () => {
    const stats = await admin.request<{ users: { user_id: string; media_count: number; media_length: number }[] }>("GET", "_synapse/admin/v1/statistics/users/media", { query: { search_term: owner.localpart } });
    const mine = stats.body.users.find((u) => u.user_id === owner.userId);
    const row = await portal.mediaStatistics(owner.userId, owner.localpart);
    await shot("media statistics");
    expect(mine, "the server's media statistics list the user who uploaded").toBeDefined();
    expect({ files: row.files, bytes: row.bytes }, `the portal's statistics row (${row.text}) shows the user's file count and bytes`).toEqual({ files: mine!.media_count, bytes: mine!.media_length });
    return row;
  });
  await step("list the user's files", async () => {
    const files = await portal.userFiles(owner.userId);
    await shot("user's files");
    expect(files, "the portal lists the user's upload").toContain(mediaId);
  });
  await step("delete the file", async () => {
    await portal.deleteFile(owner.userId, mediaId);
    await shot("file deleted");
    expect((await download(owner, mxc)).status, "the file the portal deleted is no longer served").toBe(404);
  }, ["list the user's files"]);

  // Configuration: what the portal shows of it. A portal without a view of the server's configuration cannot
  // prove that function: the check says so (inconclusive), never passes it.
  const config = await step("view the configuration", async () => {
    const c = await portal.configuration();
    await shot("configuration");
    return c;
  });

  // Administrators: listed, granted, revoked, each confirmed by what the admin API and the user's token see.
  try {
    await step("list the user (not an administrator)", async () => {
      const before = await portal.findUser(candidate.userId, candidate.localpart);
      expect(before.admin, "the portal lists the user as no administrator").toBe(false);
    });
    await step("grant administrator rights", async () => {
      await portal.setAdmin(candidate.userId, true);
      await shot("administrator granted");
      expect((await admin.getUser(candidate.userId))?.admin, "the server has the grant the portal made").toBeTruthy();
      expect(await candidateCanAdmin(), "after the grant the user may use the admin API").toBe(true);
    });
    await step("list the user as administrator", async () => {
      const listed = await portal.findUser(candidate.userId, candidate.localpart);
      expect(listed.admin, "the portal's user list shows the new administrator").toBe(true);
    }, ["grant administrator rights"]);
    await step("revoke administrator rights", async () => {
      await portal.setAdmin(candidate.userId, false);
      await shot("administrator revoked");
      expect((await admin.getUser(candidate.userId))?.admin, "the server has the revocation the portal made").toBeFalsy();
      expect(await candidateCanAdmin(), "after the revocation the user is refused by the admin API").toBe(false);
    }, ["grant administrator rights"]);
  } finally {
    // Never leave the grant behind, also when a step above failed.
    if ((await admin.getUser(candidate.userId))?.admin) await admin.putUser(candidate.userId, { admin: false });
  }

  const journeyMs = Math.round(performance.now() - started);
  const roomsTotal = (await admin.request<{ total_rooms: number }>("GET", "_synapse/admin/v1/rooms", { query: { limit: 1 } })).body.total_rooms;
  const usersTotal = (await admin.request<{ total: number }>("GET", "_synapse/admin/v2/users", { query: { limit: 1 } })).body.total;
  await evidence(testInfo, { portal: target.appPortalUrl, kind: portal.kind, loginAt: login.loginUrl, labels: login.labels, navigation: nav, serverVersion: login.serverVersion, steps, failures, deletedRoom: roomId, deletedFile: mxc, statistics: statsRow?.text, configuration: config?.views, configurationMissing: config?.missing, administrator: candidate.userId, journeyMs, timings, instance: { rooms: roomsTotal, users: usersTotal } });
  expect(failures, `the portal could not do ${failures.length} of its functions: ${failures.join("; ")}`).toEqual([]);
  if (config?.missing) inconclusive(testInfo, `the portal shows no server configuration (${config.missing}): viewing the configuration is unproven in the browser; the rest of the journey passed`);
});
