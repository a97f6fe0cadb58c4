import { test, expect } from "../../fixtures/identity.ts";
import { exchangeLoginToken } from "../../fixtures/identity.ts";
import { evidence } from "../../fixtures/index.ts";
import { KeycloakConsole } from "../../fixtures/keycloak-console.ts";
import { ssoLogin } from "../../fixtures/sso.ts";
import { runTag } from "../../src/matrix/run-id.ts";
import { randomPassword, scopeSlug } from "../../src/matrix/users.ts";

/**
 * BUM-2.7.idm / VSM-5.2: the identity management portal, in a browser as the tenant admin uses it: create a user,
 * change them, delete them. Each step is confirmed through the IdP's admin API, the new user logs in by SSO, and
 * the portal speaks German (login page's document language, the console's labels).
 */

const GERMAN_USERS_LABEL = "Benutzer";

test("BUM-2.7.idm VSM-5.2 identity management portal: create, edit and delete a user in German", async ({ target, page, browser, shot, idp, idpUsers, ctx }, testInfo) => {
  test.skip(!target.idmPortalUrl, "target file names no MXACCEPT_IDM_PORTAL_URL");
  test.skip(!idp.admin, `the portal's effects cannot be confirmed: ${idp.missing}`);
  const idpAdmin = idp.admin!;
  const realm = idp.realm!;
  const creds = target.idp!.admin!;
  const portal = new KeycloakConsole(page, target.idmPortalUrl!, realm);

  // Log in to the portal; German UI.
  const login = await portal.login(creds.username, creds.password);
  await shot("portal login (German)");
  expect(login.loginLang, "the portal's login page declares German as its document language").toMatch(/^de\b/);
  await portal.openUsers();
  const labels = await portal.labels();
  await shot("portal user list");
  expect(labels.users, "the portal labels its user management in German").toBe(GERMAN_USERS_LABEL);

  // Create.
  const username = `${runTag(ctx.runId)}${scopeSlug(testInfo.testId)}-portal`.toLowerCase();
  const password = randomPassword();
  const created = { username, email: `${username}@example.org`, firstName: "Petra", lastName: "Portal" };
  const id = await portal.createUser(created);
  idpUsers.forget(id);
  await shot("user created");
  await portal.setPassword(id, password);
  await shot("password set");
  const stored = await idpAdmin.findUser(realm, username);
  expect(stored, "the IdP has the user the portal created").toMatchObject({ id, username, firstName: "Petra", lastName: "Portal", email: created.email, enabled: true });

  // The new user logs in by SSO (a browser of their own), mapped with the portal's data.
  const userContext = await browser.newContext({ locale: "de-DE" });
  const userPage = await userContext.newPage();
  const sso = await ssoLogin(userPage, target, { username, password }, (n) => shot(`new user SSO: ${n}`, userPage)).finally(() => userContext.close());
  if (sso.kind !== "token") throw new Error(`the user created in the portal cannot log in by SSO: ${sso.message}`);
  const session = await exchangeLoginToken(target.baseUrl, sso.loginToken);
  expect(session.userId).toBe(`@${username}:${target.serverName}`);
  expect(session.displayName).toBe("Petra Portal");

  // Edit.
  await portal.editUser(id, { firstName: "Petra", lastName: "Geändert" });
  await shot("user edited");
  await expect.poll(async () => (await idpAdmin.findUser(realm, username))?.lastName, { message: "the IdP holds the portal's change" }).toBe("Geändert");

  // Delete.
  await portal.deleteUser(id);
  await shot("user deleted");
  await expect.poll(async () => (await idpAdmin.findUser(realm, username)) === undefined, { message: "the IdP no longer has the user the portal deleted" }).toBe(true);
  await evidence(testInfo, { portal: target.idmPortalUrl, loginLang: login.loginLang, loginTitle: login.loginTitle, consoleLabel: labels.users, consoleHtmlLang: labels.lang, userId: session.userId });
});
