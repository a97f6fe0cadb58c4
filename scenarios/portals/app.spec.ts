import { test, expect } from "../../fixtures/browser.ts";
import { evidence } from "../../fixtures/index.ts";
import { SynapseAdminPortal } from "../../fixtures/synapse-admin.ts";
import { deployment } from "../../src/config/deployment.ts";
import { download, parseMxc, upload } from "../../src/matrix/attachments.ts";
import { requestJson } from "../../src/matrix/http.ts";

/**
 * BUM-2.7.app: every function of the application management portal, through the API the portal uses (the Synapse
 * admin API at MXACCEPT_ADMIN_API_URL, default the base URL), each confirmed by its effect: rooms and files listed
 * and deleted, version, configuration facts and statistics read, administrators listed, granted and revoked.
 * With MXACCEPT_APP_PORTAL_URL the same journey also runs in the portal itself (synapse-admin) in Chromium.
 */

const enc = encodeURIComponent;

test("BUM-2.7.app portal API: list and delete rooms", async ({ target, users, ledger, tag }, testInfo) => {
  const api = deployment(target).portalApiUrl;
  test.skip(!target.adminToken, "target file names no MXACCEPT_ADMIN_TOKEN (the portal's API needs an admin's token)");
  const token = target.adminToken!;
  const owner = await users.create("roomowner");
  const { body: created } = await requestJson<{ room_id: string }>(owner.baseUrl, "POST", "_matrix/client/v3/createRoom", { token: owner.accessToken, body: { name: `${tag} portal room` } });
  ledger.record({ kind: "room", id: created.room_id, server: owner.serverName, test: testInfo.title });
  const { body: list } = await requestJson<{ rooms: { room_id: string; name: string | null }[] }>(api, "GET", "_synapse/admin/v1/rooms", { token, query: { search_term: tag } });
  expect(list.rooms.map((r) => r.room_id), "the portal's room list shows the new room").toContain(created.room_id);
  await deployment(target).portalAdmin(token).deleteRoom(created.room_id);
  const after = await requestJson(api, "GET", `_synapse/admin/v1/rooms/${enc(created.room_id)}`, { token, accept: [404] });
  expect(after.status, "the deleted room is gone from the server").toBe(404);
  const joined = await requestJson<{ joined_rooms: string[] }>(owner.baseUrl, "GET", "_matrix/client/v3/joined_rooms", { token: owner.accessToken });
  expect(joined.body.joined_rooms, "its member is no longer in it").not.toContain(created.room_id);
  await evidence(testInfo, { listed: list.rooms.length, deleted: created.room_id });
});

test("BUM-2.7.app portal API: list and delete files", async ({ target, users }, testInfo) => {
  const api = deployment(target).portalApiUrl;
  test.skip(!target.adminToken, "target file names no MXACCEPT_ADMIN_TOKEN (the portal's API needs an admin's token)");
  const token = target.adminToken!;
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

test("BUM-2.7.app portal API: version, configuration facts and statistics", async ({ target, users }, testInfo) => {
  const api = deployment(target).portalApiUrl;
  test.skip(!target.adminToken, "target file names no MXACCEPT_ADMIN_TOKEN (the portal's API needs an admin's token)");
  const token = target.adminToken!;
  const { body: version } = await requestJson<{ server_version: string }>(api, "GET", "_synapse/admin/v1/server_version", { token });
  expect(version.server_version, "the server names its version").toMatch(/^\d+\.\d+/);
  const { body: mediaConfig } = await requestJson<Record<string, unknown>>(api, "GET", "_matrix/client/v1/media/config", { token });
  expect(mediaConfig["m.upload.size"], "the upload limit is readable").toEqual(expect.any(Number));
  const { body: tokens } = await requestJson<{ registration_tokens: unknown[] }>(api, "GET", "_synapse/admin/v1/registration_tokens", { token });
  expect(Array.isArray(tokens.registration_tokens), "the registration tokens are readable").toBe(true);
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
  await evidence(testInfo, { serverVersion: version.server_version, uploadLimit: mediaConfig["m.upload.size"], registrationTokens: tokens.registration_tokens.length, federationDestinations: destinations.total, mediaStats: mine });
});

test("BUM-2.7.app portal API: list, grant and revoke administrators", async ({ target, users }, testInfo) => {
  const api = deployment(target).portalApiUrl;
  test.skip(!target.adminToken, "target file names no MXACCEPT_ADMIN_TOKEN (the portal's API needs an admin's token)");
  const admin = deployment(target).portalAdmin(target.adminToken!);
  const user = await users.create("newadmin");
  const asUser = () => requestJson(api, "GET", "_synapse/admin/v2/users", { token: user.accessToken, query: { limit: 1 }, accept: [403] });
  expect((await asUser()).status, "before the grant the user is refused by the admin API").toBe(403);
  await admin.putUser(user.userId, { admin: true });
  let admins: { users: { name: string; admin: boolean | number }[] };
  try {
    ({ body: admins } = await requestJson<{ users: { name: string; admin: boolean | number }[] }>(api, "GET", "_synapse/admin/v2/users", { token: target.adminToken!, query: { admins: true, name: user.localpart } }));
    expect(admins.users.map((u) => u.name), "the administrator list shows the new admin").toContain(user.userId);
    expect((await asUser()).status, "after the grant the user may use the admin API").toBe(200);
  } finally {
    // Never leave the grant behind, also when a check above failed.
    await admin.putUser(user.userId, { admin: false });
  }
  expect((await asUser()).status, "after the revocation the user is refused again").toBe(403);
  await evidence(testInfo, { granted: user.userId, admins: admins.users.length });
});

test("BUM-2.7.app application management portal in the browser (synapse-admin)", async ({ target, page, shot, users, tag, ledger }, testInfo) => {
  test.skip(!target.appPortalUrl, "target file names no MXACCEPT_APP_PORTAL_URL");
  const owner = await users.create("portalview");
  const { body: created } = await requestJson<{ room_id: string }>(owner.baseUrl, "POST", "_matrix/client/v3/createRoom", { token: owner.accessToken, body: { name: `${tag} portal ui room` } });
  ledger.record({ kind: "room", id: created.room_id, server: owner.serverName, test: testInfo.title });
  const portal = new SynapseAdminPortal(page, target.appPortalUrl!);
  await portal.loginWithToken(deployment(target).portalApiUrl, target.adminToken!);
  await shot("portal logged in");
  await portal.openRooms();
  await expect(page.getByText(`${tag} portal ui room`), "the portal lists the room").toBeVisible();
  await shot("room list");
  await portal.openUsers();
  await expect(page.getByText(owner.userId).or(page.getByText(owner.localpart)).first(), "the portal lists the user").toBeVisible();
  await shot("user list");
  await evidence(testInfo, { portal: target.appPortalUrl, room: created.room_id });
});
