import { UserError } from "../config/errors.ts";
import type { Target } from "../config/target.ts";
import { nameToken } from "./client-log.ts";
import { MatrixError, requestJson, type RequestOptions } from "./http.ts";

/**
 * A client of the Matrix Authentication Service's admin API (`/api/admin/v1`, JSON:API shapes), for where hs1's
 * login is delegated to MAS. It authenticates as a confidential client with the client-credentials grant and the
 * scope `urn:mas:admin` at MAS's token endpoint (discovered from `<MAS URL>/.well-known/openid-configuration`); the
 * token (MAS: 300 s) is cached and renewed before it expires. Admin requests go to the admin URL (an internal
 * listener where the `adminapi` resource is), the token request to MAS's public URL.
 *
 * Written against MAS 1.7.0's docs/api/spec.json; 1.22.0's adds OAuth 2.0 client listings (`/oauth2-clients`),
 * `displayname` and `avatar_url` on user creation and time filters on session lists, and changes nothing used
 * here. Both offer `GET /version` (a hand build may report `VERGEN_IDEMPOTENT_OUTPUT` instead of a version) and
 * personal sessions (`POST /personal-sessions`); a MAS without them answers their route with its HTML 404 page
 * (no JSON:API `errors`), which `personalSession` returns as "not offered".
 */

export interface MasUser {
  /** MAS's id (ULID), what the other calls take. */
  id: string;
  username: string;
  /** `can_request_admin`: the user may get `urn:synapse:admin:*`. */
  admin: boolean;
  createdAt: string;
  lockedAt: string | null;
  deactivatedAt: string | null;
}

/** What a MAS version does not offer, with one line naming it. */
export interface NotOffered {
  offered: false;
  reason: string;
}

export interface PersonalSession {
  offered: true;
  id: string;
  /** A Matrix access token of the actor user with the session's scope. */
  accessToken: string;
  expiresAt: string | null;
}

/** An upstream OAuth 2.0 provider MAS logs users in with (`upstream_oauth2.providers`). */
export interface MasUpstreamProvider {
  /** MAS's id of the provider (ULID): its login page links to `/upstream/authorize/<id>`. */
  id: string;
  issuer: string | null;
  humanName: string | null;
  disabledAt: string | null;
}

export interface FinishedSessions {
  compat: number;
  oauth2: number;
  user: number;
  personal: number;
}

interface Resource<A> {
  type: string;
  id: string;
  attributes: A;
}
interface Single<A> {
  data: Resource<A>;
}
interface Page<A> {
  data: Resource<A>[] | null;
}
interface UserAttributes {
  username: string;
  created_at: string;
  locked_at?: string | null;
  deactivated_at?: string | null;
  admin: boolean;
}
/** A JSON:API error body (`{errors: [{title}]}`); a route MAS does not have answers with an HTML page instead. */
interface Errors {
  errors?: { title: string }[];
}

/** The Synapse admin API's scope for a personal session: the client API and the admin API. */
export const SYNAPSE_ADMIN_SCOPE = "urn:matrix:client:api:* urn:synapse:admin:*";

const API = "api/admin/v1";
const enc = encodeURIComponent;
/** Renew the admin token this long before MAS says it expires. */
const RENEW_BEFORE_MS = 30_000;

function user(r: Resource<UserAttributes>): MasUser {
  const a = r.attributes;
  return { id: r.id, username: a.username, admin: a.admin, createdAt: a.created_at, lockedAt: a.locked_at ?? null, deactivatedAt: a.deactivated_at ?? null };
}

export class MasAdmin {
  /** MAS's public URL (issuer): discovery and the token endpoint. */
  readonly url: string;
  /** Where `/api/admin/v1` answers. */
  readonly adminUrl: string;
  readonly clientId: string;
  readonly #clientSecret: string;
  #token?: { value: string; renewAt: number };
  #tokenEndpoint?: string;

  constructor(o: { url: string; adminUrl?: string; clientId: string; clientSecret: string }) {
    this.url = o.url.replace(/\/+$/, "");
    this.adminUrl = (o.adminUrl ?? o.url).replace(/\/+$/, "");
    this.clientId = o.clientId;
    this.#clientSecret = o.clientSecret;
  }

  /** From a target's MAS keys; a one-line UserError when the target names no MAS client. */
  static fromTarget(mas: Target["mas"]): MasAdmin {
    if (!mas?.clientId || !mas.clientSecret) throw new UserError("the target names no MAS admin client: set MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET (a client with the client_credentials grant listed in policy.data.admin_clients).");
    return new MasAdmin({ url: mas.url, adminUrl: mas.adminUrl, clientId: mas.clientId, clientSecret: mas.clientSecret });
  }

  /** The token endpoint MAS announces (`/.well-known/openid-configuration`), asked once. */
  async tokenEndpoint(): Promise<string> {
    if (!this.#tokenEndpoint) {
      const { body } = await requestJson<{ token_endpoint: string }>(this.url, "GET", ".well-known/openid-configuration");
      this.#tokenEndpoint = body.token_endpoint;
    }
    return this.#tokenEndpoint;
  }

  /** A `urn:mas:admin` access token of the client (client-credentials grant), cached until shortly before it expires. */
  async token(): Promise<string> {
    if (this.#token && Date.now() < this.#token.renewAt) return this.#token.value;
    const { body } = await requestJson<{ access_token: string; expires_in?: number }>(this.url, "POST", await this.tokenEndpoint(), {
      form: { grant_type: "client_credentials", scope: "urn:mas:admin", client_id: this.clientId, client_secret: this.#clientSecret },
    });
    nameToken(body.access_token, `MAS admin client ${this.clientId}`);
    const lifetimeMs = (body.expires_in ?? 300) * 1000;
    this.#token = { value: body.access_token, renewAt: Date.now() + Math.max(lifetimeMs / 2, lifetimeMs - RENEW_BEFORE_MS) };
    return body.access_token;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}) {
    return requestJson<T>(this.adminUrl, method, `${API}/${path}`, { ...opts, token: await this.token() });
  }

  /** MAS's version as it reports it (`GET /version`). */
  async version(): Promise<string> {
    return (await this.request<{ version: string }>("GET", "version")).body.version;
  }

  /** Creates a user; MAS asks the homeserver whether the name is free unless `skipHomeserverCheck`. 409 when it exists. */
  async createUser(username: string, opts: { skipHomeserverCheck?: boolean } = {}): Promise<MasUser> {
    const { body } = await this.request<Single<UserAttributes>>("POST", "users", { body: { username, ...(opts.skipHomeserverCheck ? { skip_homeserver_check: true } : {}) } });
    return user(body.data);
  }

  /** Active users whose username contains `search` (MAS's `filter[search]`), up to 100. */
  async activeUsers(search: string): Promise<MasUser[]> {
    const { body } = await this.request<Page<UserAttributes>>("GET", "users", { query: { "filter[search]": search, "filter[status]": "active", "page[first]": 100 } });
    return (body.data ?? []).map(user);
  }

  /** The user with this username (localpart), or undefined when MAS has none. */
  async userByUsername(username: string): Promise<MasUser | undefined> {
    const { status, body } = await this.request<Single<UserAttributes>>("GET", `users/by-username/${enc(username)}`, { accept: [404] });
    return status === 404 ? undefined : user(body.data);
  }

  async user(id: string): Promise<MasUser> {
    return user((await this.request<Single<UserAttributes>>("GET", `users/${enc(id)}`)).body.data);
  }

  /** Sets the user's password; `skipCheck` skips MAS's complexity check (zxcvbn, `passwords.minimum_complexity`). */
  async setPassword(id: string, password: string, skipCheck = false): Promise<void> {
    await this.request("POST", `users/${enc(id)}/set-password`, { body: { password, ...(skipCheck ? { skip_password_check: true } : {}) } });
  }

  /** Sets the user's password where MAS keeps passwords (true); false where it refuses them (403: `passwords.enabled` is off). */
  async trySetPassword(id: string, password: string, skipCheck = false): Promise<boolean> {
    const { status } = await this.request("POST", `users/${enc(id)}/set-password`, { body: { password, ...(skipCheck ? { skip_password_check: true } : {}) }, accept: [403] });
    return status !== 403;
  }

  /** Whether the user may request admin scopes (`can_request_admin`, e.g. `urn:synapse:admin:*`). */
  async setCanRequestAdmin(id: string, admin: boolean): Promise<MasUser> {
    return user((await this.request<Single<UserAttributes>>("POST", `users/${enc(id)}/set-admin`, { body: { admin } })).body.data);
  }

  /**
   * A personal session acting as `actorUserId` with `scope` (e.g. SYNAPSE_ADMIN_SCOPE for an admin-capable user): its
   * access token, named `name` in the client log. "Not offered" where the MAS version has no personal sessions.
   */
  async personalSession(actorUserId: string, scope: string, name: string, expiresInSeconds?: number): Promise<PersonalSession | NotOffered> {
    const { status, body } = await this.request<Single<{ access_token?: string | null; expires_at?: string | null }> & Errors>("POST", "personal-sessions", {
      body: { actor_user_id: actorUserId, human_name: name, scope, ...(expiresInSeconds ? { expires_in: expiresInSeconds } : {}) },
      accept: [404],
    });
    if (status === 404) {
      // A JSON:API error is about the request (the actor does not exist); no JSON:API body means no such route.
      if (Array.isArray(body.errors)) throw new MatrixError("POST", `${this.adminUrl}/${API}/personal-sessions`, status, { error: body.errors.map((e) => e.title).join("; ") });
      return { offered: false, reason: `this MAS (${this.adminUrl}) offers no personal sessions (POST /${API}/personal-sessions is not a route of its admin API)` };
    }
    const token = body.data.attributes.access_token;
    if (!token) throw new MatrixError("POST", `${this.adminUrl}/${API}/personal-sessions`, status, { error: "the created personal session carries no access_token" });
    nameToken(token, name);
    return { offered: true, id: body.data.id, accessToken: token, expiresAt: body.data.attributes.expires_at ?? null };
  }

  /** Deactivates the user (MAS ends its sessions and asks the homeserver to deactivate it; erased unless `skipErase`). */
  async deactivate(id: string, skipErase = false): Promise<MasUser> {
    return user((await this.request<Single<UserAttributes>>("POST", `users/${enc(id)}/deactivate`, { body: { skip_erase: skipErase } })).body.data);
  }

  async lock(id: string): Promise<MasUser> {
    return user((await this.request<Single<UserAttributes>>("POST", `users/${enc(id)}/lock`)).body.data);
  }

  async unlock(id: string): Promise<MasUser> {
    return user((await this.request<Single<UserAttributes>>("POST", `users/${enc(id)}/unlock`)).body.data);
  }

  /** Adds an e-mail address to the user, as the operator does (MAS checks nothing with the user: admin-added addresses count as confirmed). */
  async addEmail(userId: string, email: string): Promise<void> {
    await this.request("POST", "user-emails", { body: { user_id: userId, email } });
  }

  /** The user's e-mail addresses as MAS lists them. */
  async emails(userId: string): Promise<string[]> {
    const { body } = await this.request<Page<{ email: string }>>("GET", "user-emails", { query: { "filter[user]": userId, "page[first]": 100 } });
    return (body.data ?? []).map((r) => r.attributes.email);
  }

  /** The upstream providers MAS offers (`GET /upstream-oauth-providers`, enabled and disabled). */
  async upstreamProviders(): Promise<MasUpstreamProvider[]> {
    const { body } = await this.request<Page<{ issuer?: string | null; human_name?: string | null; disabled_at?: string | null }>>("GET", "upstream-oauth-providers", { query: { "page[first]": 100 } });
    return (body.data ?? []).map((r) => ({ id: r.id, issuer: r.attributes.issuer ?? null, humanName: r.attributes.human_name ?? null, disabledAt: r.attributes.disabled_at ?? null }));
  }

  /** Ends every active session of the user: compatibility (`/login`), OAuth 2.0, browser and personal ones. */
  async finishSessions(userId: string): Promise<FinishedSessions> {
    const finish = async (list: string, filter: Record<string, string>, action: string): Promise<number> => {
      let n = 0;
      for (;;) {
        const { body } = await this.request<Page<unknown>>("GET", list, { query: { ...filter, "page[first]": 100 } });
        const page = body.data ?? [];
        for (const s of page) await this.request("POST", `${list}/${enc(s.id)}/${action}`);
        n += page.length;
        // Each finished session leaves the "active" filter, so the next page is the first one again.
        if (page.length < 100) return n;
      }
    };
    return {
      compat: await finish("compat-sessions", { "filter[user]": userId, "filter[status]": "active" }, "finish"),
      oauth2: await finish("oauth2-sessions", { "filter[user]": userId, "filter[status]": "active" }, "finish"),
      user: await finish("user-sessions", { "filter[user]": userId, "filter[status]": "active" }, "finish"),
      personal: await finish("personal-sessions", { "filter[actor_user]": userId, "filter[status]": "active" }, "revoke"),
    };
  }
}
