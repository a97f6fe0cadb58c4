import { test, expect, evidence, inconclusive, type Member } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import type { AdminClient } from "../../src/matrix/admin.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { rawSync } from "../../src/matrix/raw-sync.ts";
import { randomPassword } from "../../src/matrix/login.ts";
import { adminJoin, tryAdminJoin } from "../../src/matrix/bulk-users.ts";
import { mapPool } from "../../src/matrix/pool.ts";
import { attempt, invite, joinVia, publicRoomsOf, publishedAllowlist, type Attempt } from "../../src/matrix/federation.ts";
import { scaled } from "../../src/matrix/timeouts.ts";

/**
 * Federation and tenancy: the outsider refused, tenants isolated, roles and managed groups, the group size limit,
 * and (last) cross-tenant communication switched on by the tenant admin. The tests of this file run in order in
 * one worker. On the embedded instance the cross-tenant step restarts hs1 and hs2, which must not happen while
 * another check talks to them: it is tagged @exclusive, so `mxaccept run` runs it in the exclusive phase, after
 * every other check and alone (playwright.config.ts).
 */
test.describe.configure({ mode: "default" });

const enc = encodeURIComponent;

/** Refused: 403 M_FORBIDDEN; where login is delegated (MAS), a route Synapse does not register then (404 M_UNRECOGNIZED) refuses too. */
function expectForbidden(a: Attempt, delegated = false) {
  const refused = delegated && a.status === 404 && a.errcode === "M_UNRECOGNIZED" ? { status: 404, errcode: "M_UNRECOGNIZED" } : { status: 403, errcode: "M_FORBIDDEN" };
  expect({ what: a.what, status: a.status, errcode: a.errcode }, `${a.what} is refused by the server (${a.error ?? "no reason"})`).toEqual({ what: a.what, ...refused });
}

function expectNotDone(a: Attempt) {
  expect(a.status, `${a.what} must fail (answered ${a.status} ${a.errcode ?? ""} ${a.error ?? ""})`).toBeGreaterThanOrEqual(400);
}

/** The memberships a server holds for a room, by the admin API; [] when the server does not know the room. */
async function membersOn(admin: AdminClient, roomId: string): Promise<string[]> {
  if (!(await admin.room(roomId))) return [];
  return (await admin.roomState(roomId)).filter((e) => e.type === "m.room.member").map((e) => e.state_key);
}

test("BUM-2.2 VSM-2.1.no-public-bridge a server outside the allowlist is refused: invites and joins both ways fail, no event crosses, the room directory is not served to it", async ({ target, deployment, profile, users, rooms, admin }, testInfo) => {
  test.skip(!target.outsider, "target file names no outsider instance (MXACCEPT_OUTSIDER_BASE_URL)");
  const out = target.outsider!;
  const alice = await users.create("alice");
  const carol = await users.create("carol", { on: "outsider" });

  // A room of the instance, published in its room directory; and a room of the outsider.
  const ours = await rooms.plain(alice, { preset: "public_chat", visibility: "public", name: `${alice.localpart} directory room` });
  const theirs = await rooms.plain(carol, { preset: "public_chat", name: `${carol.localpart} outsider room` });

  const inviteOut = await invite(alice.baseUrl, alice.accessToken, ours, carol.userId);
  const inviteIn = await invite(carol.baseUrl, carol.accessToken, theirs, alice.userId);
  const joinIn = await joinVia(carol.baseUrl, carol.accessToken, ours, alice.serverName);
  const joinOut = await joinVia(alice.baseUrl, alice.accessToken, theirs, carol.serverName);
  const directory = await publicRoomsOf(carol.baseUrl, carol.accessToken, alice.serverName);
  // Invites both ways and the outsider's join are refused by a server with M_FORBIDDEN ("Federation denied");
  // our own join towards the outsider is stopped by our server before any request (Synapse reports that as
  // "Failed to make_join via any server"): it must fail, whatever the code.
  expectForbidden(inviteOut);
  expectForbidden(inviteIn);
  expectForbidden(joinIn);
  expectNotDone(joinOut);
  // The room directory is not served to the outsider over federation (or served without our rooms).
  const listed = directory.status === 200 ? ((directory.body.chunk as { room_id: string }[] | undefined) ?? []).map((r) => r.room_id) : [];
  expect(listed, `the outsider's view of ${alice.serverName}'s room directory (answered ${directory.status} ${directory.errcode ?? ""})`).not.toContain(ours);
  expectNotDone(directory);

  // Nothing of the attempts crossed: neither server holds the other's room or a membership of the other's user.
  expect(await admin.room(theirs), `${alice.serverName} does not know the outsider's room`).toBeUndefined();
  expect((await membersOn(admin, ours)).filter((m) => m.endsWith(`:${out.serverName}`))).toEqual([]);
  const aliceSync = await rawSync(alice);
  expect(Object.keys(aliceSync.rooms?.invite ?? {}), "alice has no invite from the outsider").not.toContain(theirs);
  const carolSync = await rawSync(carol);
  expect(Object.keys(carolSync.rooms?.invite ?? {}), "the outsider's user has no invite").not.toContain(ours);
  expect(Object.keys(carolSync.rooms?.join ?? {}), "the outsider's user did not join").not.toContain(ours);
  let outsiderView = "outsider has no admin token: checked through its user's sync only";
  const outsider = deployment.mustServer("outsider");
  if (outsider.adminToken) {
    const outAdmin = outsider.admin();
    expect(await outAdmin.room(ours), `${out.serverName} does not know our room`).toBeUndefined();
    expect((await membersOn(outAdmin, theirs)).filter((m) => m.endsWith(`:${alice.serverName}`))).toEqual([]);
    outsiderView = "outsider's admin API: our room unknown, no membership of our users in its room";
  }

  // Where the server exposes its allowlist: enabled, without the outsider; the partner on it exactly when the
  // target file (or the profile's reference instance) says cross-tenant / partner federation is on.
  const allow = await publishedAllowlist(alice.baseUrl, alice.accessToken);
  const partnerExpected = (target.crossTenant ?? profile.reference.crossTenant) === "on";
  if (allow) {
    expect(allow.whitelist_enabled, "the federation allowlist is enabled").toBe(true);
    expect(allow.whitelist).not.toContain(out.serverName);
    if (target.partner) expect(allow.whitelist.includes(target.partner.serverName), `partner ${target.partner.serverName} on the allowlist (expected ${partnerExpected})`).toBe(partnerExpected);
  }

  await evidence(testInfo, {
    requirement: ["BUM-2.2", "VSM-2.1.no-public-bridge"],
    instance: alice.serverName,
    outsider: out.serverName,
    attempts: [inviteOut, inviteIn, joinIn, joinOut, directory].map(({ what, status, errcode, error }) => ({ what, status, errcode, error })),
    outsiderView,
    allowlist: allow ?? "not exposed (federation_whitelist_endpoint_enabled off)",
  });
});

test("VSM-2.1.isolation a tenant-A user cannot find tenant-B users, read their rooms or invite them while cross-tenant communication is off", async ({ target, deployment, users, rooms, admin, tag }, testInfo) => {
  const partnerAdmin = deployment.partner?.adminToken ? deployment.partner.admin() : undefined;
  test.skip(!target.partner, "target file names no second tenant (MXACCEPT_PARTNER_BASE_URL)");
  test.skip(!target.crossTenant, "target file does not declare the tenants' state (MXACCEPT_CROSS_TENANT=off|on)");
  test.skip(target.crossTenant === "on", "target file declares cross-tenant communication on (MXACCEPT_CROSS_TENANT=on): isolation applies while it is off");
  const alice = await users.create("alice", { displayName: `Anna Mandant-A ${tag}` });
  const bob = await users.create("bob", { on: "partner", displayName: `Bernd Mandant-B ${tag}` });

  // Not found: the user directory (by display name and by user id) and the profile.
  const found: Record<string, string[]> = {};
  for (const term of [bob.displayName, bob.userId]) {
    const { body } = await requestJson<{ results: { user_id: string }[] }>(alice.baseUrl, "POST", "_matrix/client/v3/user_directory/search", { token: alice.accessToken, body: { search_term: term, limit: 50 } });
    found[term] = body.results.map((r) => r.user_id);
    expect(found[term], `tenant A's directory search for "${term}"`).not.toContain(bob.userId);
  }
  const profile = await attempt(`profile of ${bob.userId}`, alice.baseUrl, "GET", `_matrix/client/v3/profile/${enc(bob.userId)}`, alice.accessToken);
  expectNotDone(profile);

  // Not readable: tenant B's room (joinable by anyone who can reach it) cannot be joined or read from tenant A.
  const bRoom = await rooms.plain(bob, { preset: "public_chat", name: `${tag} tenant B room` });
  const join = await joinVia(alice.baseUrl, alice.accessToken, bRoom, bob.serverName);
  expectNotDone(join);
  const read = await attempt(`read ${bRoom}`, alice.baseUrl, "GET", `_matrix/client/v3/rooms/${enc(bRoom)}/messages`, alice.accessToken, undefined, { dir: "b", limit: "10" });
  expectNotDone(read);

  // Not invitable: refused with M_FORBIDDEN, and the invite reaches neither tenant B's user nor tenant B's server.
  const aRoom = await rooms.plain(alice, { preset: "private_chat", name: `${tag} tenant A room` });
  const inv = await invite(alice.baseUrl, alice.accessToken, aRoom, bob.userId);
  expectForbidden(inv);
  const bobSync = await rawSync(bob);
  expect(Object.keys(bobSync.rooms?.invite ?? {}), "tenant B's user got no invite").not.toContain(aRoom);
  if (partnerAdmin) expect(await partnerAdmin.room(aRoom), "tenant B's server does not know tenant A's room").toBeUndefined();
  expect(await admin.room(bRoom), "tenant A's server does not know tenant B's room").toBeUndefined();

  const allowA = await publishedAllowlist(alice.baseUrl, alice.accessToken);
  const allowB = await publishedAllowlist(bob.baseUrl, bob.accessToken);
  if (allowA) expect(allowA.whitelist_enabled && !allowA.whitelist.includes(bob.serverName), `tenant A's allowlist ${JSON.stringify(allowA)} excludes tenant B`).toBe(true);
  if (allowB) expect(allowB.whitelist_enabled && !allowB.whitelist.includes(alice.serverName), `tenant B's allowlist ${JSON.stringify(allowB)} excludes tenant A`).toBe(true);

  await evidence(testInfo, {
    requirement: "VSM-2.1.isolation",
    tenantA: alice.serverName,
    tenantB: bob.serverName,
    declared: target.crossTenant,
    directorySearch: found,
    attempts: [profile, join, read, inv].map(({ what, status, errcode, error }) => ({ what, status, errcode, error })),
    allowlists: { tenantA: allowA ?? "not exposed", tenantB: allowB ?? "not exposed" },
  });
});

test("VSM-4.2.roles the admin creates users and two managed groups, a user in both sees both; a normal user's admin calls are refused; a user creates an unmanaged group and chats in it", async ({ target, deployment, admin, users, clients, rooms, tag }, testInfo) => {
  // The tenant admin: a run-tagged server admin (so everything it creates is cleaned up with the run).
  const tenantAdmin = await users.create("tenant-admin", { admin: true });
  const instance = deployment.instance;
  const tAdmin = instance.admin(tenantAdmin.accessToken);
  expect((await tAdmin.whoami()).admin, "the tenant admin has admin rights").toBe(true);

  // The admin creates two users with the admin API; they log in with the passwords the admin set.
  const created = [];
  for (const name of ["dora", "emil"]) created.push(await users.createByAdmin(tAdmin, name, { displayName: `${name} ${tag}` }));
  const [dora, emil] = created as [typeof created[0], typeof created[0]];

  // Two managed groups: rooms of the tenant admin where only admins may invite; dora is put into both by the admin.
  const groups: string[] = [];
  for (const n of [1, 2]) {
    const roomId = await rooms.plain(tenantAdmin, { preset: "private_chat", name: `${tag} managed group ${n}`, power_level_content_override: { invite: 100, kick: 100, state_default: 100 } });
    await adminJoin(tAdmin, roomId, dora.userId);
    groups.push(roomId);
  }
  const joined = (await requestJson<{ joined_rooms: string[] }>(dora.baseUrl, "GET", "_matrix/client/v3/joined_rooms", { token: dora.accessToken })).body.joined_rooms;
  expect(joined, "dora sees both managed groups").toEqual(expect.arrayContaining(groups));
  for (const g of groups) {
    const name = (await requestJson<{ name: string }>(dora.baseUrl, "GET", `_matrix/client/v3/rooms/${enc(g)}/state/m.room.name/`, { token: dora.accessToken })).body.name;
    expect(name).toMatch(/managed group [12]$/);
  }
  // A normal member cannot manage a managed group: inviting into it is refused by the room's power levels.
  const memberInvite = await invite(dora.baseUrl, dora.accessToken, groups[0]!, emil.userId);
  expectForbidden(memberInvite);

  // A normal user's admin API calls are refused where the admin API answers (its own host on a production shape).
  const adminCalls = [
    await attempt("list users", instance.adminUrl, "GET", "_synapse/admin/v2/users", dora.accessToken),
    await attempt("create a user", instance.adminUrl, "PUT", `_synapse/admin/v2/users/${enc(`@${users.localpart("mallory")}:${target.serverName}`)}`, dora.accessToken, { password: randomPassword() }),
    await attempt("join a user into a room", instance.adminUrl, "POST", `_synapse/admin/v1/join/${enc(groups[1]!)}`, dora.accessToken, { user_id: emil.userId }),
    await attempt("make oneself admin", instance.adminUrl, "PUT", `_synapse/admin/v1/users/${enc(dora.userId)}/admin`, dora.accessToken, { admin: true }),
  ];
  for (const a of adminCalls) expectForbidden(a, instance.caps?.loginDelegated.present === true);
  expect((await admin.getUser(dora.userId))?.admin, "dora is still not an admin").toBe(false);

  // An unmanaged group: dora creates it, invites emil, and they chat end-to-end encrypted.
  const d: Member = { user: dora, client: await clients.start(dora) };
  const e: Member = { user: emil, client: await clients.start(emil) };
  const own = await rooms.group(d, [e], { name: `${tag} own group` });
  const m1 = await send(d, own, { msgtype: "m.text", body: "eigene Gruppe" });
  const m2 = await send(e, own, { msgtype: "m.text", body: "angekommen" });
  await everyoneDecrypts([e], own, m1);
  await everyoneDecrypts([d], own, m2);

  await evidence(testInfo, {
    requirement: "VSM-4.2.roles",
    tenantAdmin: tenantAdmin.userId,
    createdUsers: created.map((u) => u.userId),
    managedGroups: groups,
    memberInvite: { status: memberInvite.status, errcode: memberInvite.errcode },
    refusedAdminCalls: adminCalls.map(({ what, status, errcode }) => ({ what, status, errcode })),
    unmanagedGroup: { roomId: own, messages: [m1, m2] },
  });
});

test("VSM-4.2.group-limit a group chat of the contract's size (1,250 members) works, the next join and invite are refused", async ({ target, deployment, profile, admin, users, clients, rooms, tag }, testInfo) => {
  const contract = profile.contract.groupSizeLimit!;
  const limit = target.groupSizeLimit ?? contract;
  test.skip(!target.embedded && !target.destructive, `fills a group with ${limit} run-tagged users: runs only on a test instance (MXACCEPT_DESTRUCTIVE=allow)`);
  test.setTimeout(scaled(Math.max(180_000, limit * 600)));
  const [o, b] = await Promise.all([users.create("owner"), users.create("bob")]);
  const owner: Member = { user: o, client: await clients.start(o) };
  const bob: Member = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(owner, [bob], { name: `${tag} large group` });
  // Members are added with the admin join API (the server runs its join checks for each user); the room is made
  // joinable for that. The owner and bob are 2 of the members.
  await requestJson(o.baseUrl, "PUT", `_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.join_rules/`, { token: o.accessToken, body: { join_rule: "public" } });

  const t0 = performance.now();
  const members = await users.bulk(limit - 2 + 1, { prefix: "m" });
  const provisionMs = performance.now() - t0;
  const [extra, ...fill] = members as [typeof members[0], ...typeof members];
  const t1 = performance.now();
  await mapPool(fill, 4, (m) => adminJoin(admin, roomId, m.userId));
  const joinMs = performance.now() - t1;
  expect((await admin.room(roomId))?.joined_members, `the group has ${limit} members`).toBe(limit);

  // The members chat: owner and bob, both end-to-end encrypted, send at the same time; each decrypts all of the other's.
  const perSender = 10;
  const sent = await Promise.all([owner, bob].map(async (m) => {
    const ids: string[] = [];
    for (let i = 0; i < perSender; i++) ids.push(await send(m, roomId, { msgtype: "m.text", body: `${m.user.localpart} ${i}` }));
    return ids;
  }));
  await Promise.all([...sent[0]!.map((id) => everyoneDecrypts([bob], roomId, id)), ...sent[1]!.map((id) => everyoneDecrypts([owner], roomId, id))]);

  // Load: 20 members send 10 messages each at once (plain client-server API, no E2EE: this measures the server's
  // handling of the large room); every one is accepted and stored, and the last member to join reads the room.
  const senders = fill.slice(-20);
  const tokens = await mapPool(senders, 4, async (m) => {
    await deployment.instance.users.exempt(m.userId);
    return deployment.instance.users.tokenFor(m.userId);
  });
  const perLoadSender = 10;
  const t2 = performance.now();
  const loadIds = (await Promise.all(tokens.map(async (token, s) => {
    const ids: string[] = [];
    for (let i = 0; i < perLoadSender; i++) {
      const { body } = await requestJson<{ event_id: string }>(o.baseUrl, "PUT", `_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/load-${s}-${i}`, { token, body: { msgtype: "m.notice", body: `load ${s}.${i}` } });
      ids.push(body.event_id);
    }
    return ids;
  }))).flat();
  const loadMs = performance.now() - t2;
  const stored = new Set((await admin.roomMessages(roomId, loadIds.length + 50)).map((e) => e.event_id));
  expect(loadIds.filter((id) => !stored.has(id)), "every load message is stored in the room").toEqual([]);
  // The last member to join reads the room back from its newest event and sees every load message. (The 20
  // senders run concurrently, so no single sender's last message is guaranteed to be among the newest few events.)
  const seen = new Set<string>();
  let from: string | undefined;
  for (let pages = 0; pages < 10 && loadIds.some((id) => !seen.has(id)); pages++) {
    const { body: page } = await requestJson<{ chunk: { event_id: string }[]; end?: string }>(o.baseUrl, "GET", `_matrix/client/v3/rooms/${enc(roomId)}/messages`, { token: tokens.at(-1)!, query: { dir: "b", limit: 100, ...(from ? { from } : {}) } });
    for (const e of page.chunk) seen.add(e.event_id);
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  expect(loadIds.filter((id) => !seen.has(id)), "the last member to join reads every load message").toEqual([]);

  // One more: the join and an invite are refused, and the room stays at the limit.
  const joinRefusal = await tryAdminJoin(admin, roomId, extra.userId);
  expect({ status: joinRefusal.status, errcode: joinRefusal.errcode }, `join of member ${limit + 1} is refused`).toEqual({ status: 403, errcode: "M_FORBIDDEN" });
  const inviteRefusal = await invite(o.baseUrl, o.accessToken, roomId, extra.userId);
  expectForbidden(inviteRefusal);
  expect((await admin.room(roomId))?.joined_members, "the group stays at the limit").toBe(limit);

  await evidence(testInfo, {
    requirement: "VSM-4.2.group-limit",
    roomId,
    limit,
    contractLimit: contract,
    scaled: limit !== contract ? `the reference instance was started with --group-limit ${limit} (the contract says ${contract})` : false,
    provision: { users: members.length, ms: Math.round(provisionMs), perSecond: +(members.length / (provisionMs / 1000)).toFixed(1) },
    joins: { users: fill.length, ms: Math.round(joinMs), perSecond: +(fill.length / (joinMs / 1000)).toFixed(1) },
    e2eeChat: { senders: [o.userId, b.userId], messagesEach: perSender, decryptedByTheOther: true },
    load: { senders: senders.length, messages: loadIds.length, ms: Math.round(loadMs), messagesPerSecond: +(loadIds.length / (loadMs / 1000)).toFixed(1) },
    refused: { join: { status: joinRefusal.status, errcode: joinRefusal.errcode, error: joinRefusal.error }, invite: { status: inviteRefusal.status, errcode: inviteRefusal.errcode, error: inviteRefusal.error } },
  });
});

test("VSM-2.1.cross-tenant cross-tenant communication is off by default; after the tenant admin enables the partner a shared encrypted room works", { tag: "@exclusive" }, async ({ target, users, clients, rooms, reference }, testInfo) => {
  test.skip(!target.partner, "target file names no second tenant (MXACCEPT_PARTNER_BASE_URL)");
  test.skip(!target.crossTenant, "target file does not declare the tenants' state (MXACCEPT_CROSS_TENANT=off|on)");
  const a = await users.create("alice");
  const b = await users.create("bob", { on: "partner" });
  const steps: Record<string, unknown> = { declared: target.crossTenant };

  const sharedRoom = async () => {
    const alice: Member = { user: a, client: await clients.start(a) };
    const bob: Member = { user: b, client: await clients.start(b) };
    const roomId = await rooms.group(alice, [bob]);
    const m1 = await send(alice, roomId, { msgtype: "m.text", body: "Hallo Mandant B" });
    const m2 = await send(bob, roomId, { msgtype: "m.text", body: "Hallo Mandant A" });
    await everyoneDecrypts([bob], roomId, m1);
    await everyoneDecrypts([alice], roomId, m2);
    return { roomId, messages: [m1, m2] };
  };

  if (target.crossTenant === "on") {
    steps.shared = await sharedRoom();
    // Only "the shared room works" was observed: that it was off by default and the tenant admin turned it on was not.
    steps.offByDefault = "not observed: the target declares cross-tenant communication on";
    inconclusive(testInfo, "communication with the enabled partner works (observed); that it is off by default and enabled by the tenant admin was not observed: run once with the partner not yet enabled and MXACCEPT_CROSS_TENANT=off, then enable it and run with MXACCEPT_CROSS_TENANT=on");
  } else {
    const probe = await rooms.plain(a, { preset: "private_chat", name: `${a.localpart} before enabling` });
    const refused = await invite(a.baseUrl, a.accessToken, probe, b.userId);
    expectForbidden(refused);
    steps.whileOff = { status: refused.status, errcode: refused.errcode, error: refused.error };
    if (!reference) {
      steps.enable = "not done: enabling the partner is the target's tenant admin's step; run again with MXACCEPT_CROSS_TENANT=on after enabling it";
      // Only "refused while off" was observed: the shared room after enabling is the other half (a run with "on").
      inconclusive(testInfo, "cross-tenant communication is refused while off (observed); that the tenant admin can enable it was not observed: enable the partner and run again with MXACCEPT_CROSS_TENANT=on");
    } else {
      // The tenant admin enables the partner: the embedded instance rewrites hs1's and hs2's allowlists and restarts both.
      const { restartMs } = await reference.setCrossTenant("on");
      steps.enable = { allowlistsRewritten: ["hs1", "hs2"], restartMs };
      try {
        const allow = await publishedAllowlist(a.baseUrl, a.accessToken);
        expect(allow?.whitelist, "tenant A's allowlist now names tenant B").toContain(b.serverName);
        steps.shared = await sharedRoom();
      } finally {
        await reference.setCrossTenant("off");
      }
    }
  }
  await evidence(testInfo, { requirement: "VSM-2.1.cross-tenant", tenantA: a.serverName, tenantB: b.serverName, ...steps });
});
