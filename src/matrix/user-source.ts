import type { AdminClient } from "./admin.ts";
import type { Registered } from "./registration.ts";
import type { Session } from "./login.ts";
import type { ServerCapabilities } from "./capabilities.ts";

/**
 * How users come to exist on one server of a deployment, how they log in as a client of that server does, and how
 * they are removed. One implementation per login kind: Synapse's own accounts (shared-secret registration or the
 * Synapse admin API, src/matrix/user-source-synapse.ts) and accounts delegated to the Matrix Authentication Service
 * (MAS's admin API, src/matrix/user-source-mas.ts). The server's `users` is one of them, chosen from the target's
 * keys and what pre-flight detected; fixtures, the canary, load runs and cleanup call it, never a server API directly.
 */
export interface NewUser {
  localpart: string;
  password: string;
  displayName: string;
  /** A server admin (a tenant admin, the run's admin). */
  admin?: boolean;
}

export interface UserSource {
  /** How users are made here, for the run header ("shared-secret registration", "the MAS admin API", …). */
  readonly label: string;
  /** Why this source cannot make users on this server (one line naming what to provide), or undefined when it can. */
  cannotCreate(): string | undefined;
  /** A user with `password`, logged in once as a client of this server does (its first device). */
  create(user: NewUser): Promise<Session>;
  /** Logs a user in as a client of this server does (a fresh device). */
  login(localpart: string, password: string, deviceName?: string): Promise<Session>;
  /** A user without password or device (users at scale); returns its id. */
  provision(localpart: string, displayName: string): Promise<string>;
  /** A token for a provisioned user, without a password and without a login of its own. */
  tokenFor(userId: string): Promise<string>;
  /** Exempts a run user from the server's rate limits where an admin may (the target's config is never edited). */
  exempt(userId: string): Promise<void>;
  /** A run-tagged admin account (the run's admin where the target names none), or undefined where this source cannot make one. */
  makeAdmin(localpart: string, displayName: string): Promise<Session | undefined>;
  /** Why this source cannot make an admin account here (one line), or undefined when it can (checked before anything is recorded). */
  cannotMakeAdmin?(): string | undefined;
  /**
   * Where an admin's homeserver token cannot create users (MAS: users are MAS's), why, in one line; the user is then
   * created through this source instead and the check says it could not prove the admin's own right. Absent or
   * undefined: the admin creates users with the homeserver's admin API.
   */
  adminCannotCreate?(): string | undefined;
  /** Binds an e-mail address to the user as the operator does (for e-mail login); returns where it is shown bound. */
  addEmail(userId: string, email: string): Promise<{ boundIn: string; addresses: string[] }>;
  /** Why e-mail addresses cannot be bound here (one line), or undefined when they can. */
  cannotAddEmail(): string | undefined;
  /**
   * Removes a run user where the accounts live outside the homeserver (MAS: finish its sessions and deactivate it
   * there, which deactivates it on the homeserver too): true when it was active and is deactivated now, false when
   * it was already gone. Absent: cleanup deactivates the user with the homeserver's admin API.
   */
  remove?(userId: string): Promise<boolean>;
}

/** What a user source needs of its server (src/matrix/deployment.ts `Server` gives it). */
export interface SourceHost {
  readonly serverName: string;
  readonly clientUrl: string;
  readonly label: string;
  readonly envPrefix: string;
  readonly registrationSharedSecret?: string;
  readonly adminToken?: string;
  readonly caps?: ServerCapabilities;
  admin(token?: string): AdminClient;
  register(user: { username: string; password: string; admin?: boolean; displayname?: string }): Promise<Registered>;
}
