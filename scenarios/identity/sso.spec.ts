import { test, expect } from "../../fixtures/identity.ts";
import { evidence } from "../../fixtures/index.ts";
import { loginSelectors } from "../../src/idp/presets.ts";

/**
 * BUM-2.4: login through the customer's identity provider (OIDC). In Chromium, the homeserver's SSO redirect
 * must lead to the IdP's login page; the credentials are typed there as a user would; back at the homeserver the
 * login token must give an access token of the mapped user, with the user id and display name the IdP holds.
 * Where login is delegated to MAS, the same as an OIDC-native client: MAS's login page, its upstream provider (the
 * IdP), MAS's consent, and an OAuth 2.0 access token of the mapped user (the `sso` fixture chooses the login).
 * A user disabled in the IdP must not get in.
 */

test("BUM-2.4 SSO login: the IdP's login page, typed credentials, and an access token of the mapped user", async ({ target, page, shot, idp, idpUsers, sso }, testInfo) => {
  test.skip(!target.idp, "target file names no MXACCEPT_IDP_URL");
  // A fresh run-tagged IdP user when the IdP's admin API is at hand, else the target's IdP test account.
  const fresh = idp.admin ? await idpUsers.create("sso") : undefined;
  const creds = fresh ?? target.idp!.testUser;
  test.skip(!creds, "target file names neither MXACCEPT_IDP_ADMIN_USER/PASSWORD nor MXACCEPT_IDP_TEST_USER/PASSWORD: no IdP account to log in with");

  const outcome = await sso.login(page, creds!, shot);
  if (outcome.kind !== "session") throw new Error(`the SSO login ${outcome.failure}`);
  expect(new URL(outcome.idpPageUrl).origin, "the SSO redirect leads to the IdP's login page").toBe(new URL(target.idp!.url).origin);

  const session = outcome.session;
  const username = creds!.username.toLowerCase();
  expect(session.userId, "the access token belongs to the user the IdP names (preferred_username)").toBe(`@${username}:${target.serverName}`);
  if (fresh) expect(session.displayName, "the display name is the IdP's name").toBe(`${fresh.firstName} ${fresh.lastName}`);
  await evidence(testInfo, {
    idp: target.idp!.kind,
    preset: loginSelectors(target.idp!.kind, target.idp!.loginSelectors).tested ? "tested" : "untested preset",
    idpLoginPage: new URL(outcome.idpPageUrl).origin + new URL(outcome.idpPageUrl).pathname,
    userId: session.userId,
    displayName: session.displayName,
    ssoLoginMs: Math.round(outcome.ms),
    ...outcome.evidence,
  });
});

test("BUM-2.4 a user disabled in the IdP cannot log in", async ({ target, page, browser, shot, idp, idpUsers, sso }, testInfo) => {
  test.skip(!target.idp, "target file names no MXACCEPT_IDP_URL");
  test.skip(!idp.admin, `cannot disable an IdP user: ${idp.missing}`);
  const user = await idpUsers.create("disabled");
  // The same user gets in while enabled ...
  const before = await sso.login(page, user, shot);
  if (before.kind !== "session") throw new Error(`the enabled user could not log in, so the disabled case proves nothing: the SSO login ${before.failure}`);
  const first = before.session;

  // ... and not once the IdP has disabled them (a new browser, no IdP session).
  await idp.admin!.updateUser(idp.realm!, user.id, { enabled: false });
  expect((await idp.admin!.findUser(idp.realm!, user.username))?.enabled, "the IdP reports the user disabled").toBe(false);
  const context = await browser.newContext({ locale: "de-DE" });
  try {
    const again = await context.newPage();
    const after = await sso.login(again, user, (name) => shot(`disabled: ${name}`, again));
    expect(after.kind, `a disabled user must not get a session${after.kind === "session" ? ` (the login ended in one for ${after.session.userId})` : ` (${after.message})`}`).not.toBe("session");
    await evidence(testInfo, { via: sso.via, userId: first.userId, disabledOutcome: after.kind, message: after.kind === "session" ? "" : after.message });
  } finally {
    await context.close();
  }
});
