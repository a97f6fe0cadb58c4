import { createHash } from "node:crypto";
import type { Server } from "./deployment.ts";
import type { AdminClient } from "./admin.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { recordSession } from "./sessions.ts";
import { nameToken } from "./client-log.ts";
import { randomPassword } from "./login.ts";

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

/** A short stable slug of a test id, so users of one test share a recognisable infix. */
export function scopeSlug(testId: string): string {
  return createHash("sha256").update(testId).digest("hex").slice(0, 6);
}

/** The run-tagged localpart of `name`: mxa-<runId>-[<scope>-]<name>. */
export function runLocalpart(runId: string, name: string, scope?: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9._=-]/g, "-");
  return `${runTag(runId)}${scope ? `${scope}-` : ""}${clean}`;
}

/**
 * Creates run-tagged users (mxa-<runId>-<scope>-<name>) on one server of the deployment, through that server's
 * user source (src/matrix/user-source.ts: shared-secret registration, the Synapse admin API, or MAS). Every user is
 * recorded in the ledger before it exists, exempted from rate limits where the server allows, and, where cleanup
 * cannot use an admin API, its session and password are kept for the client-level cleanup (never in a report).
 */
export class UserFactory {
  readonly server: Server;
  readonly runId: string;
  readonly ledger: Ledger;

  constructor(server: Server, runId: string, ledger: Ledger) {
    this.server = server;
    this.runId = runId;
    this.ledger = ledger;
  }

  /** Why users cannot be created on this server, or undefined when they can. */
  cannotCreate(): string | undefined {
    return this.server.users.cannotCreate();
  }

  localpart(name: string, scope?: string): string {
    return runLocalpart(this.runId, name, scope);
  }

  async create(name: string, opts: { scope?: string; displayName?: string; test?: string; admin?: boolean } = {}): Promise<TestUser> {
    const localpart = this.localpart(name, opts.scope);
    const userId = `@${localpart}:${this.server.serverName}`;
    const password = randomPassword();
    const displayName = opts.displayName ?? `${name[0]!.toUpperCase()}${name.slice(1)} ${this.runId}`;
    this.ledger.record({ kind: "user", id: userId, server: this.server.serverName, test: opts.test });
    const session = await this.server.users.create({ localpart, password, displayName, admin: opts.admin });
    await this.server.users.exempt(session.userId);
    this.keepForCleanup(session.userId, session.accessToken, password);
    return { userId: session.userId, localpart, password, accessToken: session.accessToken, deviceId: session.deviceId, displayName, baseUrl: this.server.clientUrl, serverName: this.server.serverName };
  }

  /**
   * A user that `creator` (an admin, e.g. a tenant admin) creates with the Synapse admin API and who then logs in
   * with the password the admin set: run-tagged and recorded like every other user.
   */
  async createByAdmin(creator: AdminClient, name: string, opts: { scope?: string; displayName?: string; test?: string } = {}): Promise<TestUser> {
    const localpart = this.localpart(name, opts.scope);
    const userId = `@${localpart}:${this.server.serverName}`;
    const password = randomPassword();
    const displayName = opts.displayName ?? `${name} ${this.runId}`;
    this.ledger.record({ kind: "user", id: userId, server: this.server.serverName, test: opts.test });
    if (this.server.users.adminCannotCreate?.()) {
      // The admin's homeserver token cannot create users here (MAS): the user source does, and the fixture says so.
      const s = await this.server.users.create({ localpart, password, displayName });
      await this.server.users.exempt(userId);
      this.keepForCleanup(userId, s.accessToken, password);
      return { userId, localpart, password, accessToken: s.accessToken, deviceId: s.deviceId, displayName, baseUrl: this.server.clientUrl, serverName: this.server.serverName };
    }
    await creator.putUser(userId, { password, displayname: displayName, admin: false });
    const s = await this.server.users.login(localpart, password);
    await this.server.users.exempt(userId);
    this.keepForCleanup(userId, s.accessToken, password);
    return { userId, localpart, password, accessToken: s.accessToken, deviceId: s.deviceId, displayName, baseUrl: this.server.clientUrl, serverName: this.server.serverName };
  }

  /**
   * On a server without the Synapse admin API only the user can remove itself: its session and the password the run
   * chose are kept for the run's cleanup (state folder, 0600, never the report; src/matrix/sessions.ts).
   */
  private keepForCleanup(userId: string, accessToken: string, password: string): void {
    nameToken(accessToken, userId);
    const c = this.server.caps;
    if (c && c.synapseAdminApi.present !== true) recordSession(this.runId, { userId, server: this.server.serverName, accessToken, password });
  }
}
