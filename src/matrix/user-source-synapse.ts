import { needs } from "./capabilities.ts";
import { passwordLogin, randomPassword, type Session } from "./login.ts";
import type { NewUser, SourceHost, UserSource } from "./user-source.ts";

const asSession = (r: { user_id: string; access_token: string; device_id: string }): Session => ({ userId: r.user_id, accessToken: r.access_token, deviceId: r.device_id });

/**
 * Synapse's own accounts (and any server with the same admin API, or Dendrite with shared-secret registration):
 * shared-secret registration where the target gives the secret (fastest: user and device in one request), else the
 * Synapse admin API (PUT /_synapse/admin/v2/users) and a password login. Users at scale get no password; their
 * tokens come from the admin login API. Rate limits are lifted per user with override_ratelimit where it exists.
 */
export class SynapseUsers implements UserSource {
  readonly host: SourceHost;

  constructor(host: SourceHost) {
    this.host = host;
  }

  get label(): string {
    return this.host.registrationSharedSecret ? "shared-secret registration" : "the Synapse admin API";
  }

  cannotCreate(): string | undefined {
    const c = this.host.caps;
    if (!c) return undefined;
    if (c.loginDelegated.present) return needs("test users, but login is delegated to an OAuth 2.0 server (MSC3861, e.g. MAS)", c, "add MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file");
    if (this.host.registrationSharedSecret && c.sharedSecretRegistration.present !== false) return undefined;
    if (c.synapseAdminApi.present !== false && this.host.adminToken) return undefined;
    return needs("shared-secret registration or the Synapse admin API to create test users", c, `set MXACCEPT_${this.host.envPrefix}REGISTRATION_SHARED_SECRET`);
  }

  async create(u: NewUser): Promise<Session> {
    if (this.host.registrationSharedSecret) {
      return asSession(await this.host.register({ username: u.localpart, password: u.password, displayname: u.displayName, admin: u.admin }));
    }
    const userId = `@${u.localpart}:${this.host.serverName}`;
    await this.host.admin().putUser(userId, { password: u.password, displayname: u.displayName, admin: u.admin ?? false });
    return this.login(u.localpart, u.password);
  }

  async login(localpart: string, password: string, deviceName?: string): Promise<Session> {
    return asSession(await passwordLogin(this.host.clientUrl, { type: "m.id.user", user: localpart }, password, deviceName));
  }

  async provision(localpart: string, displayName: string): Promise<string> {
    const userId = `@${localpart}:${this.host.serverName}`;
    await this.host.admin().putUser(userId, { displayname: displayName });
    return userId;
  }

  async tokenFor(userId: string): Promise<string> {
    const { body } = await this.host.admin().request<{ access_token: string }>("POST", `_synapse/admin/v1/users/${encodeURIComponent(userId)}/login`, { body: {} });
    return body.access_token;
  }

  async exempt(userId: string): Promise<void> {
    const c = this.host.caps;
    // Without capabilities (a helper outside a run) the override is tried where an admin token exists.
    if (!this.host.adminToken || (c ? c.overrideRatelimit.present !== true : false)) return;
    await this.host.admin().overrideRatelimit(userId);
  }

  cannotAddEmail(): string | undefined {
    const c = this.host.caps;
    if (c?.synapseAdminApi.present === false || !this.host.adminToken) return needs("the Synapse admin API to bind an e-mail address", c, `set MXACCEPT_${this.host.envPrefix}ADMIN_TOKEN or MXACCEPT_${this.host.envPrefix}REGISTRATION_SHARED_SECRET`);
    return undefined;
  }

  async addEmail(userId: string, email: string): Promise<{ boundIn: string; addresses: string[] }> {
    const admin = this.host.admin();
    await admin.putUser(userId, { threepids: [{ medium: "email", address: email }] });
    const addresses = (await admin.getUser(userId))?.threepids?.filter((t) => t.medium === "email").map((t) => t.address) ?? [];
    return { boundIn: "the Synapse admin API (threepids)", addresses };
  }

  cannotMakeAdmin(): string | undefined {
    return this.host.registrationSharedSecret ? undefined : `no registration shared secret for the ${this.host.label}: set MXACCEPT_${this.host.envPrefix}ADMIN_TOKEN or MXACCEPT_${this.host.envPrefix}REGISTRATION_SHARED_SECRET`;
  }

  async makeAdmin(localpart: string, displayName: string): Promise<Session | undefined> {
    if (!this.host.registrationSharedSecret) return undefined;
    return asSession(await this.host.register({ username: localpart, password: randomPassword(), admin: true, displayname: displayName }));
  }
}
