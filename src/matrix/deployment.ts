import { AdminClient } from "./admin.ts";
import { registerWithSharedSecret, sharedSecretAccepted, type Registered } from "./registration.ts";
import type { HomeserverTarget, Target } from "../config/target.ts";

/**
 * Where a request goes: one object per server role of a target (the instance under test, the federation partner,
 * the outsider) that knows its client URL, its admin URL and its credentials. Every scenario, fixture, CLI
 * command and script asks it; nothing else derives an admin URL (test/deployment.test.ts enforces that).
 *
 * Client requests (login, sync, rooms, media) go to `clientUrl`. Admin requests (/_synapse/admin, including
 * shared-secret registration) go to `adminUrl`: the operator's admin host when the target names one
 * (MXACCEPT_ADMIN_BASE_URL, MXACCEPT_PARTNER_ADMIN_BASE_URL, MXACCEPT_OUTSIDER_ADMIN_BASE_URL), else the client URL.
 */
export type Role = "instance" | "partner" | "outsider";

export class Deployment {
  readonly role: Role;
  readonly serverName: string;
  readonly clientUrl: string;
  readonly adminUrl: string;
  /** The admin API has an origin of its own (it is not served on the public client URL by this target's word). */
  readonly adminSeparate: boolean;
  readonly adminToken?: string;
  readonly registrationSharedSecret?: string;
  /**
   * Where the application management portal reaches the admin API (MXACCEPT_ADMIN_API_URL; the instance only),
   * default the admin URL: the portal checks (BUM-2.7.app) send their admin requests there.
   */
  readonly portalApiUrl: string;
  /** The target's view of this server, for code that takes a HomeserverTarget (user factories). */
  readonly hs: HomeserverTarget;

  constructor(hs: HomeserverTarget, role: Role) {
    this.hs = hs;
    this.role = role;
    this.serverName = hs.serverName;
    this.clientUrl = hs.baseUrl;
    this.adminUrl = hs.adminBaseUrl ?? hs.baseUrl;
    this.adminSeparate = !!hs.adminBaseUrl && new URL(hs.adminBaseUrl).origin !== new URL(hs.baseUrl).origin;
    this.portalApiUrl = ("adminApiUrl" in hs && typeof hs.adminApiUrl === "string" ? hs.adminApiUrl : undefined) ?? this.adminUrl;
    this.adminToken = hs.adminToken;
    this.registrationSharedSecret = hs.registrationSharedSecret;
  }

  /** How reports and errors name it: `partner (hs2.localhost)`. */
  get label(): string {
    return `${this.role} (${this.serverName})`;
  }

  /** An admin API client: with the target's admin token, or with `token` (a run-made admin, a tenant admin). */
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

/** The deployment of one server of a target (its role as the target file named it). */
export function deployment(hs: HomeserverTarget): Deployment {
  return new Deployment(hs, hs.role ?? "instance");
}

/** The deployment of a role of the target, or undefined when the target has no such server. */
export function roleOf(target: Target, role: Role): Deployment | undefined {
  const hs = role === "instance" ? target : target[role];
  return hs ? deployment(hs) : undefined;
}

/** Every server of the target: the instance, then the partner and the outsider when it names them. */
export function deployments(target: Target): Deployment[] {
  return (["instance", "partner", "outsider"] as const).flatMap((r) => roleOf(target, r) ?? []);
}
