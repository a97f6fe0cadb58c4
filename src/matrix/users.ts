import { randomBytes, createHash } from "node:crypto";
import type { HomeserverTarget } from "../config/target.ts";
import { deployment } from "../config/deployment.ts";
import { AdminClient } from "./admin.ts";
import { requestJson } from "./http.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "./run-id.ts";

/** A user the harness created, with one device of its own. */
export interface TestUser {
  userId: string;
  localpart: string;
  password: string;
  accessToken: string;
  deviceId: string;
  displayName: string;
  baseUrl: string;
  serverName: string;
}

export function randomPassword(): string {
  // Satisfies typical password policies (upper, lower, digit, symbol, length).
  return `Mx-${randomBytes(12).toString("base64url")}9a!`;
}

/** A short stable slug of a test id, so users of one test share a recognisable infix. */
export function scopeSlug(testId: string): string {
  return createHash("sha256").update(testId).digest("hex").slice(0, 6);
}

/** Logs in with a password and returns a fresh device. */
export async function passwordLogin(baseUrl: string, identifier: Record<string, string>, password: string, deviceName = "mxaccept"): Promise<{ user_id: string; access_token: string; device_id: string }> {
  const { body } = await requestJson<{ user_id: string; access_token: string; device_id: string }>(baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier, password, initial_device_display_name: deviceName },
  });
  return body;
}

/**
 * Creates run-tagged users (mxa-<runId>-<scope>-<name>) on one homeserver: by shared-secret registration when
 * the secret is known, otherwise by the admin API and a password login. Every user is exempted from rate
 * limits with the admin override (the target's config is never edited) and recorded in the ledger.
 */
export class UserFactory {
  readonly hs: HomeserverTarget;
  readonly admin: AdminClient;
  readonly runId: string;
  readonly ledger: Ledger;

  constructor(hs: HomeserverTarget, admin: AdminClient, runId: string, ledger: Ledger) {
    this.hs = hs;
    this.admin = admin;
    this.runId = runId;
    this.ledger = ledger;
  }

  localpart(name: string, scope?: string): string {
    const clean = name.toLowerCase().replace(/[^a-z0-9._=-]/g, "-");
    return `${runTag(this.runId)}${scope ? `${scope}-` : ""}${clean}`;
  }

  async create(name: string, opts: { scope?: string; displayName?: string; test?: string; admin?: boolean } = {}): Promise<TestUser> {
    const localpart = this.localpart(name, opts.scope);
    const userId = `@${localpart}:${this.hs.serverName}`;
    const password = randomPassword();
    const displayName = opts.displayName ?? `${name[0]!.toUpperCase()}${name.slice(1)} ${this.runId}`;
    this.ledger.record({ kind: "user", id: userId, server: this.hs.serverName, test: opts.test });
    let session: { access_token: string; device_id: string; user_id: string };
    if (this.hs.registrationSharedSecret) {
      session = await deployment(this.hs).register({ username: localpart, password, displayname: displayName, admin: opts.admin });
    } else {
      await this.admin.putUser(userId, { password, displayname: displayName, admin: opts.admin ?? false });
      session = await passwordLogin(this.hs.baseUrl, { type: "m.id.user", user: localpart }, password);
    }
    await this.admin.overrideRatelimit(session.user_id);
    return {
      userId: session.user_id,
      localpart,
      password,
      accessToken: session.access_token,
      deviceId: session.device_id,
      displayName,
      baseUrl: this.hs.baseUrl,
      serverName: this.hs.serverName,
    };
  }
}
