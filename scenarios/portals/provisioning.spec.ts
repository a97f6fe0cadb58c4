import { test, expect } from "../../fixtures/browser.ts";
import { looksGerman } from "../../fixtures/app-portal.ts";
import { ElementWebLogin } from "../../fixtures/element-web.ts";
import { evidence } from "../../fixtures/index.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { scaled } from "../../src/matrix/timeouts.ts";

/**
 * BUM-3.1 (provisioning): the instance is discoverable on its domain (client and server well-known), the initial
 * admin account logs in and is a server admin, and the portal URLs the target names answer.
 * BUM-5.3.c (clients): the web client, when the target names one, loads in Chromium and shows its login page in
 * German, offering what the homeserver offers (password form, SSO button; an SSO-only page is accepted). The
 * contract's other clients (the apps, Edge, Firefox, Safari) are a manual check beside it.
 */

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}

test("BUM-3.1 client and server discovery on the instance's domain", async ({ target }, testInfo) => {
  const domain = `https://${target.serverName}`;
  const client = await requestJson<{ "m.homeserver"?: { base_url?: string } }>(domain, "GET", ".well-known/matrix/client");
  const advertised = client.body["m.homeserver"]?.base_url;
  expect(advertised, "/.well-known/matrix/client names the homeserver").toBeDefined();
  expect(trimSlash(advertised!), "and it is the instance's base URL").toBe(trimSlash(target.baseUrl));
  const versions = await requestJson<{ versions: string[] }>(advertised!, "GET", "_matrix/client/versions");
  expect(versions.body.versions.length, "the advertised homeserver answers the client API").toBeGreaterThan(0);

  const server = await requestJson<{ "m.server"?: string }>(domain, "GET", ".well-known/matrix/server");
  const delegated = server.body["m.server"];
  expect(delegated, "/.well-known/matrix/server names the federation endpoint").toMatch(/^[A-Za-z0-9.-]+(:\d+)?$/);
  const fed = await requestJson<{ server?: { name?: string; version?: string } }>(`https://${delegated!}`, "GET", "_matrix/federation/v1/version");
  expect(fed.body.server?.name, "the delegated federation endpoint answers").toBeDefined();
  await evidence(testInfo, { domain, client: advertised, server: delegated, federationServer: fed.body.server });
});

test("BUM-3.1 the initial admin account is logged in and is a server admin", async ({ target, admin }, testInfo) => {
  test.skip(!target.adminToken, "target file names no MXACCEPT_ADMIN_TOKEN (the initial admin's access token)");
  const me = await admin.whoami();
  expect(me.admin, `${me.userId} is a server admin`).toBe(true);
  const user = await admin.getUser(me.userId);
  expect(user?.deactivated ?? false, "the initial admin account is active").toBe(false);
  await evidence(testInfo, { initialAdmin: me.userId });
});

test("BUM-3.1 the portal URLs answer", async ({ target }, testInfo) => {
  const portals = Object.entries({ MXACCEPT_IDM_PORTAL_URL: target.idmPortalUrl, MXACCEPT_APP_PORTAL_URL: target.appPortalUrl, MXACCEPT_WEB_CLIENT_URL: target.webClientUrl })
    .filter((e): e is [string, string] => !!e[1]);
  test.skip(portals.length === 0, "target file names no portal URL (MXACCEPT_IDM_PORTAL_URL, MXACCEPT_APP_PORTAL_URL, MXACCEPT_WEB_CLIENT_URL)");
  const answers: Record<string, number> = {};
  for (const [key, url] of portals) {
    const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(scaled(30_000)) });
    answers[key] = res.status;
    expect(res.status, `${key} ${url} answers`).toBeLessThan(400);
  }
  await evidence(testInfo, { answers });
});

test("BUM-5.3.c the web client runs in Chromium and shows its login in German", async ({ target, page, shot }, testInfo) => {
  test.skip(!target.webClientUrl, "target file names no MXACCEPT_WEB_CLIENT_URL (the web client's URL, e.g. Element Web or BundesMessenger web): the web client is unproven in a browser");
  const client = new ElementWebLogin(page, target.webClientUrl!);
  await client.open();
  const login = await client.read();
  await shot("web client login");
  const { body } = await requestJson<{ flows: { type: string }[] }>(target.baseUrl, "GET", "_matrix/client/v3/login");
  const offered = body.flows.map((f) => f.type);
  // The server the login page names (Element: the server name, or the homeserver URL when the name does not
  // resolve) must be the target's: a web client configured for another homeserver logs its users in elsewhere.
  if (login.homeserver) {
    const base = new URL(target.baseUrl);
    const names = [target.serverName, base.host, base.hostname, trimSlash(target.baseUrl)].map((n) => n.toLowerCase());
    expect(names, `the web client's login page names the target's homeserver (it shows "${login.homeserver}", the target is ${target.serverName} at ${target.baseUrl})`).toContain(trimSlash(login.homeserver).toLowerCase());
  }
  expect(login.password || login.sso.length > 0, "the web client offers a login (user name and password, or SSO)").toBe(true);
  if (offered.includes("m.login.sso")) expect(login.sso.length, "the homeserver offers SSO, and the web client shows its SSO button").toBeGreaterThan(0);
  if (!offered.includes("m.login.password")) expect(login.password, "the homeserver offers no password login, and the web client shows no password form").toBe(false);
  expect(looksGerman([...login.labels, ...login.sso]), `the web client's login speaks German in a German browser (${[...login.labels, ...login.sso].join(" | ")})`).toBe(true);
  await evidence(testInfo, { webClient: target.webClientUrl, homeserverShown: login.homeserver, passwordForm: login.password, ssoButtons: login.sso, labels: login.labels, homeserverFlows: offered, userAgent: await page.evaluate(() => navigator.userAgent) });
});

test("BUM-5.3.c the BundesMessenger apps, Edge, Firefox and Safari are confirmed by hand", async ({ target }, testInfo) => {
  test.skip(!target.webClientUrl, "target file names no MXACCEPT_WEB_CLIENT_URL (the web client's URL): there is no web client to confirm in other browsers");
  // The harness drives Chromium only (Chrome's engine; Playwright cannot drive a stock Firefox or Safari, and the
  // mobile and desktop apps are not browsers): the contract's other clients are named here for a human to confirm,
  // so the acceptance record shows what the Chromium check did not prove.
  const others = ["BundesMessenger apps (iOS, Android, desktop)", "Microsoft Edge (latest)", "Mozilla Firefox (latest)", "Apple Safari (latest)"];
  testInfo.annotations.push({ type: "manual", description: `the run proved the web client in Chromium only; confirm by hand that ${target.webClientUrl} shows its login and signs in with ${others.slice(1).join(", ")}, and that the ${others[0]} sign in to ${target.baseUrl}` });
  await evidence(testInfo, { proof: "manual", webClient: target.webClientUrl, homeserver: target.baseUrl, provedInARun: "Chromium", confirmByHand: others });
});
