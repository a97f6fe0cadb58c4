import { masAdminSurface } from "../../src/security/mas-surface.ts";
import { test, expect, evidence, inconclusive } from "../../fixtures/index.ts";
import { requestJson, tryFetchText } from "../../src/matrix/http.ts";
import { HARNESS_ADMIN_ENDPOINTS, UNAUTHENTICATED_BY_DESIGN } from "../../src/security/admin-endpoints.ts";

const refused = (status: number) => status === 401 || status === 403 || status === 404;

/** What the public client URL answers on a path, with an optional token (raw: metrics are not JSON). */
async function raw(baseUrl: string, path: string, token?: string): Promise<{ status: number; prometheus: boolean } | { error: string }> {
  const r = await tryFetchText(new URL(path, `${baseUrl}/`), { token, redirect: "manual", timeoutMs: 15_000 });
  return "error" in r ? r : { status: r.status, prometheus: /^# (HELP|TYPE) /m.test(r.text) };
}

test("SEC-admin-surface a normal user's token is refused by every admin endpoint the harness uses; admin API and metrics are not served through the public client URL where the target separates them", async ({ target, deployment, admin, users, rooms, tag }, testInfo) => {
  const problems: string[] = [];
  const instance = deployment.instance;
  const user = await users.create("plain");
  const roomId = await rooms.plain(user, { name: `${tag} admin probe` });
  const sent = await requestJson<{ event_id: string }>(user.baseUrl, "PUT", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${Date.now()}`, { token: user.accessToken, body: { msgtype: "m.text", body: "probe" } });
  const ids = { userId: user.userId, roomId, eventId: sent.body.event_id, mediaServer: target.serverName };

  // Control: the admin API does answer at that URL (to the admin's token), so the refusals below are its verdict,
  // not a 404 of a URL where no admin API is routed.
  const control = await admin.request<{ users?: unknown[] }>("GET", "_synapse/admin/v2/users", { query: { limit: 1, guests: false }, accept: [200] });
  expect(control.status, `the admin API answers the admin's token at ${instance.adminUrl}`).toBe(200);

  // Every admin endpoint the harness uses, with the user's token, at the URL where the admin API answers.
  const userToken = [];
  for (const ep of HARNESS_ADMIN_ENDPOINTS) {
    const res = await requestJson<{ errcode?: string }>(instance.adminUrl, ep.method, ep.path(ids), { token: user.accessToken, body: ep.body, accept: [400, 401, 403, 404, 405] });
    userToken.push({ method: ep.method, path: ep.template, status: res.status, errcode: res.body?.errcode });
    if (!refused(res.status)) problems.push(`${ep.method} ${ep.template} answered ${res.status} to a normal user's token`);
  }
  // The probes must not have changed the user: still active and not an admin (read with the admin's rights).
  const after = await admin.getUser(user.userId);
  expect(after?.deactivated, "the user token could not deactivate its user").toBeFalsy();
  expect(after?.admin, "the user token could not make its user an admin").toBeFalsy();

  // Metrics through the public client URL: never served.
  const metrics = { "/_synapse/metrics": await raw(target.baseUrl, "_synapse/metrics"), "/metrics": await raw(target.baseUrl, "metrics") };
  for (const [path, r] of Object.entries(metrics)) if ("prometheus" in r && r.prometheus) problems.push(`metrics are served through the public client URL at ${path}`);

  let publicSurface: unknown;
  if (instance.adminSeparate) {
    // Control: the admin URL answers the admin; the public URL must not, not even to the admin's token.
    const control = await admin.serverVersion();
    const probes = { // public-surface probe: the admin API asked at the client URL on purpose
      serverVersion: await raw(target.baseUrl, "_synapse/admin/v1/server_version"),
      usersWithAdminToken: await raw(target.baseUrl, "_synapse/admin/v2/users?limit=1&guests=false", instance.adminToken),
    };
    for (const [what, r] of Object.entries(probes)) if ("status" in r && !refused(r.status) && !(r.status >= 300 && r.status < 400)) problems.push(`the public client URL serves the admin API (${what}: ${r.status})`);
    publicSurface = { adminBaseUrl: instance.adminUrl, control, publicUrl: probes };
  } else {
    // The control above reached the admin API through the client URL: it answers there. Whether that URL is
    // the public one or an internal name the harness was given cannot be told from here.
    publicSurface = { adminBaseUrl: target.adminBaseUrl ?? null, answersOnClientUrl: target.baseUrl, control: control.status };
  }

  // Where login is delegated to MAS, its admin API is one more admin surface.
  const mas = instance.hs.mas ? await masAdminSurface(instance.hs.mas, user.accessToken) : undefined;
  if (mas) problems.push(...mas.problems);

  await evidence(testInfo, { requirement: "SEC-admin-surface", userToken, unauthenticatedByDesign: UNAUTHENTICATED_BY_DESIGN, metrics, publicSurface, ...(mas ? { mas: mas.evidence } : {}) });
  expect(problems, `admin surface: ${problems.join("; ")}`).toEqual([]);
  if (!instance.adminSeparate) {
    inconclusive(testInfo, `the admin API answers on the client URL ${target.baseUrl} (the target names no separate MXACCEPT_ADMIN_BASE_URL): if that is the public URL, the admin API is exposed; name the admin host in MXACCEPT_ADMIN_BASE_URL to prove the public URL does not serve it`);
  }
  if (mas?.notSeparated) {
    inconclusive(testInfo, `MAS's admin API answers on MAS's URL ${instance.hs.mas!.url} (the target names no separate MXACCEPT_MAS_ADMIN_URL): if that is its public URL, the admin API is exposed; name MAS's internal admin URL in MXACCEPT_MAS_ADMIN_URL to prove the public URL does not serve it`);
  }
});
