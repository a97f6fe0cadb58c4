import { randomBytes, createHash } from "node:crypto";
import type { HomeserverTarget } from "../config/target.ts";
import { deployment } from "./deployment.ts";
import { AdminClient } from "./admin.ts";
import { requestJson, type JsonResponse } from "./http.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { needs, type ServerCapabilities } from "./capabilities.ts";
import { recordSession } from "./sessions.ts";
import { nameToken } from "./client-log.ts";

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

/** What a login answered when it may be refused: the status and errcode, never thrown. */
export interface LoginAttempt {
  status: number;
  errcode?: string;
  error?: string;
  userId?: string;
}

/** A password login that may be refused (a wrong password, a locked account): returns what the server said. */
export async function tryPasswordLogin(baseUrl: string, identifier: Record<string, string>, password: string, deviceName = "mxaccept"): Promise<LoginAttempt> {
  const res: JsonResponse<{ user_id?: string; errcode?: string; error?: string }> = await requestJson(baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier, password, initial_device_display_name: deviceName },
    accept: [400, 401, 403, 404],
  });
  return { status: res.status, errcode: res.body.errcode, error: res.body.error, userId: res.body.user_id };
}

/**
 * Creates run-tagged users (mxa-<runId>-<scope>-<name>) on one homeserver: by shared-secret registration when
 * the secret is known, otherwise by the admin API and a password login. Every user is exempted from rate
 * limits with the admin override where the server offers it (the target's config is never edited) and recorded
 * in the ledger. With capabilities, what the server does not offer is not tried: no override without
 * `override_ratelimit`, a one-line error naming the missing capability instead of a raw MatrixError, and, on a
 * server without the Synapse admin API, each session is recorded for the client-level cleanup.
 */
export class UserFactory {
  readonly hs: HomeserverTarget;
  readonly admin: AdminClient;
  readonly runId: string;
  readonly ledger: Ledger;

  readonly caps?: ServerCapabilities;

  constructor(hs: HomeserverTarget, admin: AdminClient, runId: string, ledger: Ledger, caps?: ServerCapabilities) {
    this.hs = hs;
    this.admin = admin;
    this.runId = runId;
    this.ledger = ledger;
    this.caps = caps;
  }

  /** Why users cannot be created on this server, or undefined when they can. */
  cannotCreate(): string | undefined {
    const c = this.caps;
    if (!c) return undefined;
    if (c.loginDelegated.present) return needs("test users, but login is delegated (MSC2965/MAS) so the harness cannot create them", c, "provide test accounts created in MAS");
    if (this.hs.registrationSharedSecret && c.sharedSecretRegistration.present !== false) return undefined;
    if (c.synapseAdminApi.present !== false && this.hs.adminToken) return undefined;
    return needs("shared-secret registration or the Synapse admin API to create test users", c, "set MXACCEPT_REGISTRATION_SHARED_SECRET");
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
    if (this.caps ? this.caps.overrideRatelimit.present === true : true) await this.admin.overrideRatelimit(session.user_id);
    this.keepForCleanup(session.user_id, session.access_token, password);
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

  /**
   * A user that `creator` (an admin, e.g. a tenant admin) creates with the admin API and who then logs in with the
   * password the admin set: run-tagged and recorded like every other user.
   */
  async createByAdmin(creator: AdminClient, name: string, opts: { scope?: string; displayName?: string; test?: string } = {}): Promise<TestUser> {
    const localpart = this.localpart(name, opts.scope);
    const userId = `@${localpart}:${this.hs.serverName}`;
    const password = randomPassword();
    const displayName = opts.displayName ?? `${name} ${this.runId}`;
    this.ledger.record({ kind: "user", id: userId, server: this.hs.serverName, test: opts.test });
    await creator.putUser(userId, { password, displayname: displayName, admin: false });
    const s = await passwordLogin(this.hs.baseUrl, { type: "m.id.user", user: localpart }, password);
    if (this.caps ? this.caps.overrideRatelimit.present === true : true) await this.admin.overrideRatelimit(userId);
    this.keepForCleanup(userId, s.access_token, password);
    return { userId, localpart, password, accessToken: s.access_token, deviceId: s.device_id, displayName, baseUrl: this.hs.baseUrl, serverName: this.hs.serverName };
  }

  /**
   * On a server without the Synapse admin API only the user can remove itself: its session and the password the run
   * chose are kept for the run's cleanup (state folder, 0600, never the report; src/matrix/run-admin.ts).
   */
  private keepForCleanup(userId: string, accessToken: string, password: string): void {
    nameToken(accessToken, userId);
    if (this.caps && this.caps.synapseAdminApi.present !== true) recordSession(this.runId, { userId, server: this.hs.serverName, accessToken, password });
  }
}
