import { createHmac } from "node:crypto";
import { requestJson } from "./http.ts";

/**
 * Shared-secret registration (Synapse admin API /_synapse/admin/v1/register).
 * mac = hex HMAC-SHA1(key = shared secret, nonce \0 username \0 password \0 "admin"|"notadmin" [\0 user_type]).
 */
export function registrationMac(secret: string, nonce: string, username: string, password: string, admin: boolean, userType?: string): string {
  const mac = createHmac("sha1", secret);
  mac.update(nonce).update("\x00").update(username).update("\x00").update(password).update("\x00").update(admin ? "admin" : "notadmin");
  if (userType) mac.update("\x00").update(userType);
  return mac.digest("hex");
}

export interface Registered {
  user_id: string;
  access_token: string;
  device_id: string;
  home_server?: string;
}

export async function registerWithSharedSecret(
  adminUrl: string,
  secret: string,
  user: { username: string; password: string; admin?: boolean; displayname?: string; userType?: string },
): Promise<Registered> {
  const { body } = await requestJson<{ nonce: string }>(adminUrl, "GET", "_synapse/admin/v1/register");
  const admin = user.admin ?? false;
  const res = await requestJson<Registered>(adminUrl, "POST", "_synapse/admin/v1/register", {
    body: {
      nonce: body.nonce,
      username: user.username,
      password: user.password,
      admin,
      displayname: user.displayname,
      user_type: user.userType,
      mac: registrationMac(secret, body.nonce, user.username, user.password, admin, user.userType),
    },
  });
  return res.body;
}

/**
 * Whether the server accepts this shared secret, without creating anyone: a registration with a correct MAC for
 * an invalid user name (a space) is refused for the name (400), one with a wrong secret for the MAC (403).
 */
export async function sharedSecretAccepted(adminUrl: string, secret: string): Promise<{ accepted: boolean; status: number; errcode?: string }> {
  const { body } = await requestJson<{ nonce: string }>(adminUrl, "GET", "_synapse/admin/v1/register");
  const username = "mxaccept secret check";
  const password = "not-used-for-anything";
  const res = await requestJson<{ errcode?: string }>(adminUrl, "POST", "_synapse/admin/v1/register", {
    body: { nonce: body.nonce, username, password, admin: false, mac: registrationMac(secret, body.nonce, username, password, false) },
    accept: [400, 401, 403],
  });
  return { accepted: res.status === 400 && res.body.errcode === "M_INVALID_USERNAME", status: res.status, errcode: res.body.errcode };
}
