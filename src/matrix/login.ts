import { randomBytes } from "node:crypto";
import { requestJson, type JsonResponse } from "./http.ts";

/** A password the run chooses for a user: satisfies typical password policies (upper, lower, digit, symbol, length). */
export function randomPassword(): string {
  return `Mx-${randomBytes(12).toString("base64url")}9a!`;
}

/** A session the server handed out: whose, its access token and its device. */
export interface Session {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/** Logs in with a password on the client API (`m.login.password`; MAS answers it where `passwords.enabled`) and returns a fresh device. */
export async function passwordLogin(baseUrl: string, identifier: Record<string, string>, password: string, deviceName = "mxaccept"): Promise<{ user_id: string; access_token: string; device_id: string }> {
  const { body } = await requestJson<{ user_id: string; access_token: string; device_id: string }>(baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier, password, initial_device_display_name: deviceName },
  });
  return body;
}

/** What a login answered when it may be refused: the status and errcode, never thrown. */
export interface LoginAttempt {
  status: number;
  errcode?: string;
  error?: string;
  userId?: string;
  /** Where the login succeeded: the session's token and device. */
  accessToken?: string;
  deviceId?: string;
}

/** A password login that may be refused (a wrong password, a locked account): returns what the server said. */
export async function tryPasswordLogin(baseUrl: string, identifier: Record<string, string>, password: string, deviceName = "mxaccept"): Promise<LoginAttempt> {
  const res: JsonResponse<{ user_id?: string; access_token?: string; device_id?: string; errcode?: string; error?: string }> = await requestJson(baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier, password, initial_device_display_name: deviceName },
    accept: [400, 401, 403, 404],
  });
  return { status: res.status, errcode: res.body.errcode, error: res.body.error, userId: res.body.user_id, accessToken: res.body.access_token, deviceId: res.body.device_id };
}
