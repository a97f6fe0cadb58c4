import { test, expect, evidence } from "../../fixtures/index.ts";
import { passwordLogin, tryPasswordLogin } from "../../src/matrix/login.ts";

test("VSM-7 a user with an e-mail address bound by the admin logs in with e-mail and password", async ({ users, tag }, testInfo) => {
  const u = await users.create("mail");
  const email = `${tag}@behoerde.example`;
  const bound = await users.addEmail(u, email);
  expect(bound.addresses, `${bound.boundIn} shows the bound address`).toContain(email);

  const session = await passwordLogin(u.baseUrl, { type: "m.id.thirdparty", medium: "email", address: email }, u.password, "mxaccept e-mail login");
  expect(session.user_id).toBe(u.userId);
  expect(session.device_id).toBeTruthy();

  // The password is really checked: the same address with a wrong password is refused.
  const wrong = await tryPasswordLogin(u.baseUrl, { type: "m.id.thirdparty", medium: "email", address: email }, `${u.password}x`);
  expect(wrong.status, `the wrong password is refused (answered ${wrong.status} ${wrong.errcode ?? ""})`).toBeGreaterThanOrEqual(400);
  expect(wrong.errcode).toBe("M_FORBIDDEN");

  await evidence(testInfo, { requirement: "VSM-7", userId: u.userId, email, boundIn: bound.boundIn, deviceId: session.device_id, wrongPassword: wrong.errcode });
});
