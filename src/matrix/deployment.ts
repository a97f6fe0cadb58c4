import { AdminClient } from "./admin.ts";
import { registerWithSharedSecret, sharedSecretAccepted, type Registered } from "./registration.ts";
import type { HomeserverTarget, Target } from "../config/target.ts";
import type { RunCapabilities, ServerCapabilities } from "./capabilities.ts";
import type { SourceHost, UserSource } from "./user-source.ts";
import { SynapseUsers } from "./user-source-synapse.ts";
import { MasUsers } from "./user-source-mas.ts";

/** The user source a server gets from its target keys: MAS's where the target names a MAS, else Synapse's own. */
function defaultUsers(hs: HomeserverTarget): (host: SourceHost) => UserSource {
  return hs.mas ? (h) => new MasUsers(h, hs.mas!) : (h) => new SynapseUsers(h);
}

/**
 * The one door to the servers of a run. A `Deployment` is made once per run (per Playwright worker: the
 * `deployment` fixture; per command: `Deployment.of(target)`) and carried: nothing rebuilds it from a target. It has
 * one `Server` per role of the target, named the same everywhere:
 * - `instance`: the instance under test (the reference's hs1);
 * - `partner`: the allowlisted federation partner or tenant B (hs2);
 * - `outsider`: a server not on the allowlist (hs3).
 *
 * Each server knows its client URL, its admin URL and admin token (the target's, else the run's admin), its detected
 * capabilities, and its user source: how users are made, log in and are removed (`users`, src/matrix/user-source.ts).
 * Client requests (login, sync, rooms, media) go to `clientUrl`. Admin requests (/_synapse/admin, including
 * shared-secret registration) go to `adminUrl`: the operator's admin host when the target names one
 * (MXACCEPT_ADMIN_BASE_URL, MXACCEPT_PARTNER_ADMIN_BASE_URL, MXACCEPT_OUTSIDER_ADMIN_BASE_URL), else the client URL.
 */
export type Role = "instance" | "partner" | "outsider";
export const ROLES: readonly Role[] = ["instance", "partner", "outsider"];

export class Server implements SourceHost {
  readonly role: Role;
  readonly serverName: string;
  readonly clientUrl: string;
  readonly adminUrl: string;
  /** The admin API has an origin of its own (it is not served on the public client URL by this target's word). */
  readonly adminSeparate: boolean;
  /** The admin token the run uses here: the target file's, else the run's admin (src/matrix/run-admin.ts). */
  readonly adminToken?: string;
  /** Whether `adminToken` is the target file's own (not made by the run). */
  readonly adminTokenFromTarget: boolean;
  readonly registrationSharedSecret?: string;
  /** What pre-flight detected on this server (capabilities.json); undefined before pre-flight or outside a run. */
  readonly caps?: ServerCapabilities;
  /**
   * Where the application management portal reaches the admin API (MXACCEPT_ADMIN_API_URL; the instance only),
   * default the admin URL: the portal checks (BUM-2.7.app) send their admin requests there.
   */
  readonly portalApiUrl: string;
  /** The target's view of this server (its keys as the target file gave them). */
  readonly hs: HomeserverTarget;
  /** How users are made, log in and are removed here. */
  readonly users: UserSource;

  constructor(hs: HomeserverTarget, role: Role, opts: { adminToken?: string; caps?: ServerCapabilities } = {}) {
    this.hs = hs;
    this.role = role;
    this.serverName = hs.serverName;
    this.clientUrl = hs.baseUrl;
    this.adminUrl = hs.adminBaseUrl ?? hs.baseUrl;
    this.adminSeparate = !!hs.adminBaseUrl && new URL(hs.adminBaseUrl).origin !== new URL(hs.baseUrl).origin;
    this.portalApiUrl = ("adminApiUrl" in hs && typeof hs.adminApiUrl === "string" ? hs.adminApiUrl : undefined) ?? this.adminUrl;
    this.adminToken = hs.adminToken ?? opts.adminToken;
    this.adminTokenFromTarget = !!hs.adminToken;
    this.registrationSharedSecret = hs.registrationSharedSecret;
    this.caps = opts.caps;
    this.users = defaultUsers(hs)(this);
  }

  /** How reports and errors name it: `partner (hs2.localhost)`. */
  get label(): string {
    return `${this.role} (${this.serverName})`;
  }

  /** An admin API client: with the run's admin token, or with `token` (a tenant admin, a portal's administrator). */
  admin(token: string | undefined = this.adminToken): AdminClient {
    if (token === undefined) throw new Error(`no admin token for the ${this.label}: set MXACCEPT_${this.envPrefix}ADMIN_TOKEN`);
    return new AdminClient(this.adminUrl, token, this.clientUrl);
  }

  /** An admin API client at the portal's API URL (see portalApiUrl). */
  portalAdmin(token: string): AdminClient {
    return new AdminClient(this.portalApiUrl, token, this.clientUrl);
  }

  /** Shared-secret registration (an admin API endpoint, so it goes to the admin URL). */
  register(user: { username: string; password: string; admin?: boolean; displayname?: string; userType?: string }): Promise<Registered> {
    if (!this.registrationSharedSecret) throw new Error(`no registration shared secret for the ${this.label}: set MXACCEPT_${this.envPrefix}REGISTRATION_SHARED_SECRET`);
    return registerWithSharedSecret(this.adminUrl, this.registrationSharedSecret, user);
  }

  /** Whether the server accepts the target's shared secret, without registering anyone. */
  secretAccepted(): ReturnType<typeof sharedSecretAccepted> {
    if (!this.registrationSharedSecret) throw new Error(`no registration shared secret for the ${this.label}`);
    return sharedSecretAccepted(this.adminUrl, this.registrationSharedSecret);
  }

  /** The target-file key prefix of this role: "", "PARTNER_", "OUTSIDER_". */
  get envPrefix(): string {
    return this.role === "instance" ? "" : `${this.role.toUpperCase()}_`;
  }
}

/** How a deployment is made: the run's admin tokens and capabilities (each server's user source follows its target keys). */
export interface DeploymentOptions {
  adminTokens?: Partial<Record<Role, string>>;
  capabilities?: RunCapabilities;
}

/** The servers of one run (see the top of this file). */
export class Deployment {
  readonly target: Target;
  readonly instance: Server;
  readonly partner?: Server;
  readonly outsider?: Server;
  private readonly opts: DeploymentOptions;

  private constructor(target: Target, opts: DeploymentOptions) {
    this.target = target;
    this.opts = opts;
    const make = (hs: HomeserverTarget, role: Role) => new Server(hs, role, { adminToken: opts.adminTokens?.[role], caps: opts.capabilities?.[role] });
    this.instance = make(target, "instance");
    if (target.partner) this.partner = make(target.partner, "partner");
    if (target.outsider) this.outsider = make(target.outsider, "outsider");
  }

  /** Made once per command or worker from the target file and what the run knows; then carried. */
  static of(target: Target, opts: DeploymentOptions = {}): Deployment {
    return new Deployment(target, opts);
  }

  /**
   * This deployment with what the run learned since (its admins, the capabilities pre-flight detected): the same
   * servers, each with the added knowledge. Earlier admin tokens and capabilities stay where `more` has none.
   */
  with(more: DeploymentOptions): Deployment {
    return new Deployment(this.target, {
      adminTokens: { ...this.opts.adminTokens, ...more.adminTokens },
      capabilities: more.capabilities ?? this.opts.capabilities,
    });
  }

  /** The server of a role, or undefined where the target names none. */
  server(role: Role): Server | undefined {
    return role === "instance" ? this.instance : this[role];
  }

  /** The server of a role, or a one-line error naming the target keys that add it. */
  mustServer(role: Role): Server {
    const s = this.server(role);
    if (!s) throw new Error(`the target has no ${role} homeserver: set MXACCEPT_${role.toUpperCase()}_BASE_URL and MXACCEPT_${role.toUpperCase()}_SERVER_NAME`);
    return s;
  }

  /** Every server: the instance, then the partner and the outsider where the target names them. */
  servers(): Server[] {
    return ROLES.flatMap((r) => this.server(r) ?? []);
  }

  /** The server whose server name this is (for ledger rows and user ids), or undefined. */
  byServerName(serverName: string): Server | undefined {
    return this.servers().find((s) => s.serverName === serverName);
  }
}
