import { test, expect } from "../../fixtures/identity.ts";
import { evidence } from "../../fixtures/index.ts";

test("VSM-7 a user with an e-mail address bound by the admin logs in with e-mail and password", async ({ users, clientLogin, tag }, testInfo) => {
  const u = await users.create("mail");
  const email = `${tag}@behoerde.example`;
  const bound = await users.addEmail(u, email);
  expect(bound.addresses, `${bound.boundIn} shows the bound address`).toContain(email);

  const login = await clientLogin.withEmail(email, u.password);
  expect(login.kind, `the login with ${email} and the password (${clientLogin.via}) gives a session${login.kind === "refused" ? `, but was refused: ${login.message}` : ""}`).toBe("session");
  const session = login.kind === "session" ? login.session : undefined;
  expect(session?.userId, "the session is the user's whose address it is").toBe(u.userId);
  expect(session?.deviceId, "the session has a device").toBeTruthy();

  // The password is really checked: the same address with a wrong password is refused.
  const wrong = await clientLogin.withEmail(email, `${u.password}x`);
  expect(wrong.kind, "the wrong password is refused").toBe("refused");

  await evidence(testInfo, { requirement: "VSM-7", userId: u.userId, email, boundIn: bound.boundIn, via: clientLogin.via, deviceId: session?.deviceId, login: login.evidence, wrongPassword: wrong.kind === "refused" ? wrong.message : "accepted", wrongEvidence: wrong.evidence });
});
