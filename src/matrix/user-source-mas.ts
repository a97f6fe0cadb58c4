import { randomBytes } from "node:crypto";
import type { HomeserverTarget } from "../config/target.ts";
import { needs } from "./capabilities.ts";
import { passwordLogin, type Session } from "./login.ts";
import { requestJson } from "./http.ts";
import { MasAdmin, SYNAPSE_ADMIN_SCOPE, type PersonalSession, type NotOffered } from "./mas-admin.ts";
import type { NewUser, SourceHost, UserSource } from "./user-source.ts";

/** The client API scope of a personal session with a device of its own (so E2EE clients get a device id). */
const clientScope = (deviceId: string) => `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`;
const newDeviceId = () => `MXA${randomBytes(5).toString("hex").toUpperCase()}`;

/**
 * Accounts delegated to the Matrix Authentication Service (a Synapse with `matrix_authentication_service`): users
 * are made through MAS's admin API (`POST /api/admin/v1/users`, `…/set-password`), log in as clients of that
 * instance do (MAS's compatibility `m.login.password` where `passwords.enabled`; where MAS keeps passwords off, a
 * personal session stands in for the client's OAuth 2.0 login and the run header says so), an admin is a user
 * with `can_request_admin` holding a personal session with `urn:synapse:admin:*`, users at scale get personal
 * sessions instead of passwords, and removal finishes every MAS session of the user and deactivates it in MAS
 * (which deactivates it on Synapse too).
 */
export class MasUsers implements UserSource {
  readonly host: SourceHost;
  readonly mas: NonNullable<HomeserverTarget["mas"]>;
  #admin?: MasAdmin;

  constructor(host: SourceHost, mas: NonNullable<HomeserverTarget["mas"]>) {
    this.host = host;
    this.mas = mas;
  }

  get label(): string {
    return `the MAS admin API (${this.mas.adminUrl}): each user's first device is a device-scoped personal session; ${this.passwords ? "later logins use MAS's compatibility password login" : "MAS keeps password login off, so later logins are personal sessions too, standing in for a client's OAuth 2.0 login"}`;
  }

  /** MAS refused a password (403): it keeps password login off, whatever the capabilities said. */
  #passwordsRefused = false;

  /** Whether MAS offers password login on the client API (`passwords.enabled`; pre-flight read the login flows). */
  get passwords(): boolean {
    return !this.#passwordsRefused && this.host.caps?.passwordLogin.present !== false;
  }

  private get admin(): MasAdmin {
    return (this.#admin ??= MasAdmin.fromTarget(this.mas));
  }

  cannotCreate(): string | undefined {
    if (this.mas.clientId && this.mas.clientSecret) return undefined;
    return needs("a MAS admin client to create test users (login is delegated to MAS)", this.host.caps, "add MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file");
  }

  cannotMakeAdmin(): string | undefined {
    return this.cannotCreate();
  }

  adminCannotCreate(): string | undefined {
    return "login is delegated to MAS: Synapse's admin API refuses to create users (403), they are created in MAS; the harness created this one through MAS's admin API and cannot prove the tenant admin's own right to create users";
  }

  cannotAddEmail(): string | undefined {
    return this.cannotCreate();
  }

  private userId(localpart: string): string {
    return `@${localpart}:${this.host.serverName}`;
  }

  private async masUser(userId: string) {
    const localpart = userId.slice(1, userId.lastIndexOf(":"));
    return this.admin.userByUsername(localpart);
  }

  private async session(masId: string, userId: string, scope: string, name: string, deviceId = ""): Promise<Session> {
    const s: PersonalSession | NotOffered = await this.admin.personalSession(masId, scope, name);
    if (!s.offered) throw new Error(`${s.reason}: give the harness a MAS with personal sessions, or keep passwords.enabled so users log in with a password`);
    return { userId, accessToken: s.accessToken, deviceId };
  }

  /**
   * The user, its password (for the logins checks make), and its first device as a device-scoped personal session:
   * MAS limits password logins per address (default 3, then one per 20 s), which a run making dozens of users from
   * one address would run into; the logins a check is about still go through MAS's login (`login`).
   */
  async create(u: NewUser): Promise<Session> {
    const userId = this.userId(u.localpart);
    const created = await this.admin.createUser(u.localpart);
    // MAS refuses a password where it keeps password login off (403): then the user has none.
    if (this.passwords && !(await this.admin.trySetPassword(created.id, u.password, true))) this.#passwordsRefused = true;
    if (u.admin) await this.admin.setCanRequestAdmin(created.id, true);
    const deviceId = newDeviceId();
    const scope = `${u.admin ? SYNAPSE_ADMIN_SCOPE : "urn:matrix:client:api:*"} urn:matrix:client:device:${deviceId}`;
    const session = await this.session(created.id, userId, scope, `${u.localpart}${u.admin ? " (admin)" : ""}`, deviceId);
    // MAS 1.7.0 takes no display name at creation: the user sets its own, as a client does.
    await requestJson(this.host.clientUrl, "PUT", `_matrix/client/v3/profile/${encodeURIComponent(userId)}/displayname`, { token: session.accessToken, body: { displayname: u.displayName } });
    return session;
  }

  async login(localpart: string, password: string, deviceName?: string): Promise<Session> {
    if (this.passwords) {
      const r = await passwordLogin(this.host.clientUrl, { type: "m.id.user", user: localpart }, password, deviceName);
      return { userId: r.user_id, accessToken: r.access_token, deviceId: r.device_id };
    }
    const m = await this.admin.userByUsername(localpart);
    if (!m) throw new Error(`MAS at ${this.mas.adminUrl} has no user ${localpart}`);
    const deviceId = newDeviceId();
    return this.session(m.id, this.userId(localpart), clientScope(deviceId), deviceName ?? localpart, deviceId);
  }

  async provision(localpart: string, _displayName: string): Promise<string> {
    await this.admin.createUser(localpart);
    return this.userId(localpart);
  }

  async tokenFor(userId: string): Promise<string> {
    const m = await this.masUser(userId);
    if (!m) throw new Error(`MAS at ${this.mas.adminUrl} has no user ${userId}`);
    return (await this.session(m.id, userId, clientScope(newDeviceId()), userId)).accessToken;
  }

  async exempt(userId: string): Promise<void> {
    // MAS limits logins, Synapse the client API: Synapse's admin override lifts the latter for the run's users.
    const c = this.host.caps;
    if (!this.host.adminToken || (c ? c.overrideRatelimit.present !== true : false)) return;
    await this.host.admin().overrideRatelimit(userId);
  }

  async makeAdmin(localpart: string, displayName: string): Promise<Session | undefined> {
    // The run's admin needs no password: its token is a personal session.
    const created = await this.admin.createUser(localpart);
    await this.admin.setCanRequestAdmin(created.id, true);
    return this.session(created.id, this.userId(localpart), SYNAPSE_ADMIN_SCOPE, displayName);
  }

  async addEmail(userId: string, email: string): Promise<{ boundIn: string; addresses: string[] }> {
    const m = await this.masUser(userId);
    if (!m) throw new Error(`MAS at ${this.mas.adminUrl} has no user ${userId}`);
    await this.admin.addEmail(m.id, email);
    return { boundIn: "MAS's admin API (user-emails)", addresses: await this.admin.emails(m.id) };
  }

  async remove(userId: string): Promise<boolean> {
    const m = await this.masUser(userId);
    if (!m || m.deactivatedAt) return false;
    await this.admin.finishSessions(m.id);
    await this.admin.deactivate(m.id);
    return true;
  }
}
