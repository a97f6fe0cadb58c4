import { scaled } from "../matrix/timeouts.ts";

/**
 * A small client of Keycloak's admin REST API (the API its admin console uses): realms and users.
 * Logs in with a password grant of the `admin-cli` client and logs in again before the token expires.
 */

export interface KeycloakUser {
  id?: string;
  username: string;
  enabled?: boolean;
  firstName?: string;
  lastName?: string;
  email?: string;
  emailVerified?: boolean;
  attributes?: Record<string, string[]>;
  credentials?: { type: "password"; value: string; temporary: boolean }[];
}

export class KeycloakError extends Error {
  readonly status: number;
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status}${body ? ` ${body.slice(0, 200)}` : ""}`);
    this.status = status;
  }
}

/** Splits a Keycloak issuer (https://host[/auth]/realms/NAME) into the server's base and the realm. */
export function parseKeycloakIssuer(issuer: string): { base: string; realm: string } {
  const m = /^(.*)\/realms\/([^/]+)\/?$/.exec(issuer);
  if (!m) throw new Error(`${issuer} is not a Keycloak issuer URL (…/realms/<realm>)`);
  return { base: m[1]!, realm: decodeURIComponent(m[2]!) };
}

export class KeycloakAdmin {
  readonly base: string;
  private readonly adminRealm: string;
  private readonly username: string;
  private readonly password: string;
  private token?: { value: string; until: number };

  constructor(base: string, credentials: { realm?: string; username: string; password: string }) {
    this.base = base.replace(/\/+$/, "");
    this.adminRealm = credentials.realm ?? "master";
    this.username = credentials.username;
    this.password = credentials.password;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await fetch(`${this.base}/realms/${encodeURIComponent(this.adminRealm)}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: this.username, password: this.password }),
      signal: AbortSignal.timeout(scaled(30_000)),
    });
    const text = await res.text();
    if (res.status !== 200) throw new KeycloakError(`IdP admin login of ${this.username} in realm ${this.adminRealm}`, res.status, text);
    const body = JSON.parse(text) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, until: Date.now() + Math.max(5, body.expires_in - 15) * 1000 };
    return this.token.value;
  }

  /** One admin API request; returns the response (status outside 2xx and `accept` throws). */
  async request(method: string, path: string, body?: unknown, accept: number[] = []): Promise<{ status: number; json: unknown; location?: string }> {
    const res = await fetch(`${this.base}/admin/realms${path}`, {
      method,
      headers: { Authorization: `Bearer ${await this.accessToken()}`, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(scaled(30_000)),
    });
    const text = await res.text();
    if ((res.status < 200 || res.status > 299) && !accept.includes(res.status)) throw new KeycloakError(`${method} /admin/realms${path}`, res.status, text);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json, location: res.headers.get("location") ?? undefined };
  }

  async createRealm(rep: Record<string, unknown>): Promise<void> {
    await this.request("POST", "", rep);
  }

  async updateRealm(realm: string, rep: Record<string, unknown>): Promise<void> {
    await this.request("PUT", `/${encodeURIComponent(realm)}`, rep);
  }

  async realm(realm: string): Promise<Record<string, unknown>> {
    return (await this.request("GET", `/${encodeURIComponent(realm)}`)).json as Record<string, unknown>;
  }

  /** Creates a user and returns its id. */
  async createUser(realm: string, user: KeycloakUser): Promise<string> {
    const { location } = await this.request("POST", `/${encodeURIComponent(realm)}/users`, user);
    const id = location?.split("/").pop();
    if (!id) throw new Error(`the IdP created ${user.username} but named no id`);
    return id;
  }

  /** The user with exactly this username, or undefined. */
  async findUser(realm: string, username: string): Promise<KeycloakUser | undefined> {
    const { json } = await this.request("GET", `/${encodeURIComponent(realm)}/users?exact=true&username=${encodeURIComponent(username)}`);
    return (json as KeycloakUser[]).find((u) => u.username === username.toLowerCase());
  }

  async updateUser(realm: string, id: string, patch: Partial<KeycloakUser>): Promise<void> {
    await this.request("PUT", `/${encodeURIComponent(realm)}/users/${id}`, patch);
  }

  /** Deletes a user; a user already gone is fine. */
  async deleteUser(realm: string, id: string): Promise<void> {
    await this.request("DELETE", `/${encodeURIComponent(realm)}/users/${id}`, undefined, [404]);
  }
}
