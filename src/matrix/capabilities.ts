import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requestJson, type RequestOptions } from "./http.ts";

/**
 * What a homeserver offers, detected in pre-flight instead of assumed: the server software and version, the
 * Synapse admin API and its rate-limit override, shared-secret registration, encryption by server default,
 * delegated login (MAS) and authenticated media. Written to the run's `capabilities.json`; the fixtures read it to
 * create users the way the server allows and to skip (with one line naming the capability) what it does not.
 *
 * Every entry says `present` true / false, or undefined when it could not be decided, and in `detail` what the
 * server answered. Nothing here needs the Synapse admin API; what does is only asked when a token is at hand.
 */

export interface Capability {
  present: boolean | undefined;
  detail: string;
}

export interface ServerCapabilities {
  serverName: string;
  baseUrl: string;
  /** Server software and version ("Synapse 1.163.2", "Dendrite 0.13.8"), and where it was read. */
  software: { name: string; version: string; via: string } | undefined;
  clientVersions: string[];
  synapseAdminApi: Capability;
  overrideRatelimit: Capability;
  sharedSecretRegistration: Capability;
  /** Whether rooms created without an encryption request come out encrypted (probed by creating one of each). */
  encryptionByDefault: { private: Capability; direct: Capability };
  /** Login delegated to an OAuth 2.0 / OIDC authorization server (MSC2965 / MSC3861, e.g. MAS). */
  loginDelegated: Capability & { issuer?: string; account?: string };
  /** Authenticated media (Matrix 1.11: /_matrix/client/v1/media/*). */
  authenticatedMedia: Capability;
  passwordLogin: Capability;
}

/** Where a server answers (src/matrix/deployment.ts `Server` is one). */
export interface ServerAddress {
  readonly serverName: string;
  readonly clientUrl: string;
  readonly adminUrl: string;
}

export interface RunCapabilities {
  detectedAt: string;
  instance: ServerCapabilities;
  partner?: ServerCapabilities;
  outsider?: ServerCapabilities;
}

export const CAPABILITIES_FILE = "capabilities.json";

const unknown = (detail: string): Capability => ({ present: undefined, detail });

/** Every status a probe may get: what the server said is the finding, never an exception. */
const ANY_STATUS = [400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504];

/** What a probe got: the server's status and body, or (status 0) why no HTTP answer came. */
type Answer<T> = { status: number; body: T & { errcode?: string }; error?: undefined } | { status: 0; body?: undefined; error: string };

/** A probe that may be refused: the server's answer whatever its status; only a transport failure is status 0. */
async function ask<T>(base: string, path: string, opts: Omit<RequestOptions, "accept"> = {}): Promise<Answer<T>> {
  try {
    return await requestJson<T & { errcode?: string }>(base, "GET", path, { timeoutMs: 10_000, ...opts, accept: ANY_STATUS });
  } catch (e) {
    return { status: 0, error: (e as Error).message.replace(/^\w+ \S+ failed: /, "") };
  }
}

function describe(a: Answer<unknown>): string {
  if (a.error !== undefined) return a.error;
  return `${a.status}${a.body.errcode ? ` ${a.body.errcode}` : ""}`;
}

/** A thrown error in a detail line: what the server said (status, errcode) or what failed. */
function describeError(e: unknown): string {
  const m = e as { status?: number; errcode?: string; message?: string };
  return typeof m.status === "number" ? `${m.status}${m.errcode ? ` ${m.errcode}` : ""}` : String(m.message ?? e).replace(/^\w+ \S+ failed: /, "");
}

/** A 404/405 or M_UNRECOGNIZED: the endpoint is not implemented (or not routed) there. */
function notImplemented(a: Answer<unknown>): boolean {
  return a.status === 404 || a.status === 405 || a.body?.errcode === "M_UNRECOGNIZED";
}

export function softwareLabel(c: ServerCapabilities | undefined): string {
  return c?.software ? `${c.software.name} ${c.software.version}`.trim() : "of unknown software";
}

/** One line for a check that cannot run: "needs the Synapse admin API; this server is Dendrite 0.13.8". */
export function needs(what: string, c: ServerCapabilities | undefined, provide?: string): string {
  return `needs ${what}; this server is ${softwareLabel(c)}${provide ? ` (${provide})` : ""}`;
}

async function software(hs: ServerAddress, adminToken?: string): Promise<ServerCapabilities["software"]> {
  type V = { server?: { name?: string; version?: string } };
  const fromFederation = async (base: string, via: string) => {
    const a = await ask<V>(base, "_matrix/federation/v1/version");
    return a.status === 200 && a.body.server?.name ? { name: a.body.server.name, version: a.body.server.version ?? "", via } : undefined;
  };
  // Federation may live elsewhere than the client URL: then the server's delegation names it.
  const direct = await fromFederation(hs.clientUrl, "federation /version at the client URL");
  if (direct) return direct;
  const delegation = await ask<{ "m.server"?: string }>(`https://${hs.serverName}`, ".well-known/matrix/server");
  const delegated = delegation.status === 200 ? delegation.body["m.server"] : undefined;
  if (delegated) {
    const s = await fromFederation(`https://${delegated}`, `federation /version at ${delegated}`);
    if (s) return s;
  }
  if (adminToken) {
    const v = await ask<{ server_version?: string }>(hs.adminUrl, "_synapse/admin/v1/server_version", { token: adminToken });
    if (v.status === 200 && v.body.server_version) return { name: "Synapse", version: v.body.server_version, via: "Synapse admin API server_version" };
  }
  return undefined;
}

async function loginDelegation(hs: ServerAddress): Promise<ServerCapabilities["loginDelegated"]> {
  const MSC2965 = "org.matrix.msc2965.authentication";
  // Client discovery first: where a client learns that login is delegated.
  for (const base of [...new Set([`https://${hs.serverName}`, hs.clientUrl])]) {
    const wk = await ask<Record<string, { issuer?: string; account?: string } | undefined>>(base, ".well-known/matrix/client");
    const auth = wk.status === 200 ? wk.body[MSC2965] : undefined;
    if (auth?.issuer) return { present: true, issuer: auth.issuer, account: auth.account, detail: `client well-known at ${base} names ${MSC2965} issuer ${auth.issuer}` };
  }
  for (const path of ["_matrix/client/v1/auth_metadata", "_matrix/client/unstable/org.matrix.msc2965/auth_metadata"]) {
    const meta = await ask<{ issuer?: string; account_management_uri?: string }>(hs.clientUrl, path);
    if (meta.status === 200 && meta.body.issuer) return { present: true, issuer: meta.body.issuer, account: meta.body.account_management_uri, detail: `/${path} names issuer ${meta.body.issuer}` };
    if (meta.status !== 200 && !notImplemented(meta)) return { present: undefined, detail: `/${path} answered ${describe(meta)}` };
  }
  return { present: false, detail: "no org.matrix.msc2965.authentication in the client well-known and no /_matrix/client/v1/auth_metadata" };
}

async function authenticatedMedia(hs: ServerAddress, versions: string[]): Promise<Capability> {
  const a = await ask(hs.clientUrl, "_matrix/client/v1/media/config");
  if (a.status === 200) return { present: true, detail: "/_matrix/client/v1/media/config answers (without a token)" };
  if (a.status === 401) return { present: true, detail: "/_matrix/client/v1/media/config exists and asks for a token" };
  if (notImplemented(a)) return { present: false, detail: `/_matrix/client/v1/media/config: ${describe(a)}${versions.includes("v1.11") ? " although the server advertises v1.11" : ""}` };
  return unknown(`/_matrix/client/v1/media/config: ${describe(a)}`);
}

async function sharedSecretRegistration(hs: ServerAddress): Promise<Capability> {
  const a = await ask<{ nonce?: string }>(hs.adminUrl, "_synapse/admin/v1/register");
  if (a.status === 200) {
    if (!a.body.nonce) return { present: false, detail: "/_synapse/admin/v1/register gave no nonce" };
    return { present: true, detail: `/_synapse/admin/v1/register hands out nonces at ${hs.adminUrl}` };
  }
  // Synapse answers 400 "Shared secret registration is not enabled" when the secret is unset.
  if (a.status === 400 || notImplemented(a)) return { present: false, detail: `/_synapse/admin/v1/register: ${describe(a)}` };
  return unknown(`/_synapse/admin/v1/register: ${describe(a)}`);
}

/** The Synapse admin API as seen with `token`: present (the token's user is an admin or not), absent, or unknown. */
export async function adminProbe(hs: ServerAddress, token: string | undefined): Promise<{ api: Capability; override: Capability; admin?: boolean }> {
  if (!token) {
    if ((await adminApiRouted(hs)) === false) {
      return { api: { present: false, detail: `/_synapse/admin at ${hs.adminUrl}: not routed (404 M_UNRECOGNIZED without a token)` }, override: { present: false, detail: "no Synapse admin API" } };
    }
    const none = unknown("no admin token and no run admin: not asked");
    return { api: none, override: none };
  }
  const who = await ask<{ user_id?: string }>(hs.clientUrl, "_matrix/client/v3/account/whoami", { token });
  if (who.status !== 200 || !who.body.user_id) {
    const d = unknown(`whoami with the admin token: ${describe(who)}`);
    return { api: d, override: d };
  }
  const userId = who.body.user_id;
  const base = hs.adminUrl;
  // The user list answers an admin (200) and refuses anyone else (403 M_FORBIDDEN) on Synapse with and without
  // delegated login (under MAS it needs guests=false; /v1/users/<id>/admin is not there); 404: no admin API.
  const list = await ask(base, "_synapse/admin/v2/users", { token, query: { limit: "1", guests: "false" } });
  if (list.status === 403 && list.body.errcode === "M_FORBIDDEN") {
    const api = { present: true, detail: `answers at ${base}, but ${userId} is no server admin` };
    return { api, override: unknown("the token's user is no server admin"), admin: false };
  }
  if (notImplemented(list)) {
    const d = { present: false, detail: `/_synapse/admin at ${base}: ${describe(list)}` };
    return { api: d, override: { present: false, detail: "no Synapse admin API" } };
  }
  if (list.status !== 200) {
    const d = unknown(`/_synapse/admin/v2/users at ${base}: ${describe(list)}`);
    return { api: d, override: d };
  }
  const api = { present: true, detail: `answers at ${base} (${userId} is an admin)` };
  const override = await ask(base, `_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit`, { token });
  if (override.status === 200) return { api, override: { present: true, detail: "the admin API's override_ratelimit endpoint answers" }, admin: true };
  return { api, override: notImplemented(override) ? { present: false, detail: `override_ratelimit: ${describe(override)}` } : unknown(`override_ratelimit: ${describe(override)}`), admin: true };
}

/**
 * Creates a private room and a direct chat as a client does (no encryption asked for) and reads whether the
 * server put m.room.encryption in their initial state. `user` is a run-tagged probe user; the rooms are handed
 * to `record` (the run's ledger); the probe user stays in them, so cleanup (also --stale, without the ledger) finds them.
 */
export async function probeEncryptionDefault(baseUrl: string, user: { accessToken: string }, name: string, record: (roomId: string) => void): Promise<ServerCapabilities["encryptionByDefault"]> {
  const one = async (kind: "private" | "direct"): Promise<Capability> => {
    try {
      const body = kind === "direct"
        ? { preset: "trusted_private_chat", is_direct: true, name: `${name} probe direct` }
        : { preset: "private_chat", name: `${name} probe private` };
      const { body: created } = await requestJson<{ room_id: string }>(baseUrl, "POST", "_matrix/client/v3/createRoom", { token: user.accessToken, body });
      record(created.room_id);
      const enc = await requestJson<{ algorithm?: string }>(baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(created.room_id)}/state/m.room.encryption/`, { token: user.accessToken, accept: [404] });
      // The probe user stays in its rooms: cleanup finds a crashed run's rooms through its users' memberships.
      return enc.status === 404
        ? { present: false, detail: `a ${kind} room created without asking for encryption (${created.room_id}) has no m.room.encryption` }
        : { present: true, detail: `a ${kind} room created without asking for encryption (${created.room_id}) has m.room.encryption ${enc.body.algorithm ?? ""}`.trim() };
    } catch (e) {
      return unknown(`probing a ${kind} room: ${describeError(e)}`);
    }
  };
  return { private: await one("private"), direct: await one("direct") };
}

export interface DetectOptions {
  /** A token with admin rights if the run has one (the target's, or the run admin made with the shared secret). */
  adminToken?: string;
  /** Creates the probe user for the encryption probe; absent: encryption by default stays unknown. */
  probeUser?: () => Promise<{ accessToken: string; localpart: string }>;
  record?: (roomId: string) => void;
}

export async function detectServer(hs: ServerAddress, opts: DetectOptions = {}): Promise<ServerCapabilities> {
  let clientVersions: string[] = [];
  // Unreachable: pre-flight has said so already.
  const versions = await ask<{ versions?: string[] }>(hs.clientUrl, "_matrix/client/versions", { timeoutMs: 15_000 });
  if (versions.status === 200) clientVersions = versions.body.versions ?? [];
  const adminToken = opts.adminToken;
  const [sw, delegated, media, shared, admin] = await Promise.all([
    software(hs, adminToken),
    loginDelegation(hs),
    authenticatedMedia(hs, clientVersions),
    sharedSecretRegistration(hs),
    adminProbe(hs, adminToken),
  ]);
  const login = await ask<{ flows?: { type: string }[] }>(hs.clientUrl, "_matrix/client/v3/login");
  const types = login.status === 200 ? (login.body.flows ?? []).map((f) => f.type) : [];
  const passwordLogin: Capability = login.status === 200 ? { present: types.includes("m.login.password"), detail: `login flows: ${types.join(", ") || "none"}` } : unknown(`/login: ${describe(login)}`);
  let encryptionByDefault: ServerCapabilities["encryptionByDefault"] = { private: unknown("not probed"), direct: unknown("not probed") };
  if (opts.probeUser) {
    try {
      const u = await opts.probeUser();
      encryptionByDefault = await probeEncryptionDefault(hs.clientUrl, u, u.localpart, opts.record ?? (() => {}));
    } catch (e) {
      const d = unknown(`no probe user could be created: ${describeError(e)}`);
      encryptionByDefault = { private: d, direct: d };
    }
  }
  return {
    serverName: hs.serverName,
    baseUrl: hs.clientUrl,
    software: sw,
    clientVersions,
    synapseAdminApi: admin.api,
    overrideRatelimit: admin.override,
    sharedSecretRegistration: shared,
    encryptionByDefault,
    loginDelegated: delegated,
    authenticatedMedia: media,
    passwordLogin,
  };
}

/** Lines for the run header: software, then each capability as "name: yes / no / unknown". */
export function capabilityLines(c: ServerCapabilities): string[] {
  const yn = (x: Capability) => (x.present === true ? "yes" : x.present === false ? "no" : "unknown");
  return [
    `${c.serverName}: ${softwareLabel(c)}${c.software ? ` (${c.software.via})` : ""}`,
    `  Synapse admin API ${yn(c.synapseAdminApi)}, override_ratelimit ${yn(c.overrideRatelimit)}, shared-secret registration ${yn(c.sharedSecretRegistration)}, ` +
      `encryption by default private ${yn(c.encryptionByDefault.private)} / direct ${yn(c.encryptionByDefault.direct)}, ` +
      `login delegated ${yn(c.loginDelegated)}${c.loginDelegated.issuer ? ` (${c.loginDelegated.issuer})` : ""}, authenticated media ${yn(c.authenticatedMedia)}, password login ${yn(c.passwordLogin)}`,
  ];
}

/**
 * Delegated login: the one line saying how the run makes its users there (`withMas`: the target names a MAS admin
 * client), or what cannot run and which keys to add. Undefined when login is not delegated.
 */
export function delegatedLoginNote(c: ServerCapabilities | undefined, withMas = false): string | undefined {
  if (!c?.loginDelegated.present) return undefined;
  const issuer = c.loginDelegated.issuer ?? "an OAuth 2.0 server";
  if (withMas) return `login on ${c.serverName} is delegated to ${issuer} (MSC3861): the run makes its users and its admin through the MAS admin API`;
  return `login on ${c.serverName} is delegated to ${issuer} (MSC3861, e.g. the Matrix Authentication Service): checks that create test users cannot run; ` +
    "add MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file (README, \"Synapse with MAS\")";
}

export function writeCapabilities(reportDir: string, caps: RunCapabilities): void {
  writeFileSync(join(reportDir, CAPABILITIES_FILE), `${JSON.stringify(caps, null, 2)}\n`);
}

export function readCapabilities(reportDir: string): RunCapabilities | undefined {
  const f = join(reportDir, CAPABILITIES_FILE);
  if (!existsSync(f)) return undefined;
  try {
    const caps = JSON.parse(readFileSync(f, "utf8")) as RunCapabilities & { target?: ServerCapabilities };
    // Reports written before the roles had one name kept the instance under "target".
    if (!caps.instance && caps.target) {
      const { target, ...rest } = caps;
      return { ...rest, instance: target };
    }
    return caps;
  } catch {
    return undefined;
  }
}

/** Capabilities of the target's homeservers; the encryption probe only on the target (hs1). */
export async function detectRun(servers: { instance: ServerAddress & { adminToken?: string }; partner?: ServerAddress & { adminToken?: string }; outsider?: ServerAddress & { adminToken?: string } }, opts: { probeUser?: DetectOptions["probeUser"]; record?: DetectOptions["record"] } = {}): Promise<RunCapabilities> {
  const { instance, partner, outsider } = servers;
  const [t, p, o] = await Promise.all([
    detectServer(instance, { adminToken: instance.adminToken, probeUser: opts.probeUser, record: opts.record }),
    partner ? detectServer(partner, { adminToken: partner.adminToken }) : undefined,
    outsider ? detectServer(outsider, { adminToken: outsider.adminToken }) : undefined,
  ]);
  return { detectedAt: new Date().toISOString(), instance: t, ...(p ? { partner: p } : {}), ...(o ? { outsider: o } : {}) };
}

/** Whether the Synapse admin API answers `token` at the server's admin URL: true, false (not there), undefined (could not tell). */
export async function synapseAdminAnswers(hs: ServerAddress, token: string): Promise<boolean | undefined> {
  return (await adminProbe(hs, token)).api.present;
}

/**
 * Whether a Synapse admin API is routed at the server's admin URL, asked without a token: Synapse answers 401
 * (a token is missing), a server or proxy without it 404 / M_UNRECOGNIZED. Decides whether a run admin is worth
 * creating: an admin account whose API cannot be reached would only be left behind.
 */
export async function adminApiRouted(hs: ServerAddress): Promise<boolean | undefined> {
  const a = await ask(hs.adminUrl, "_synapse/admin/v2/users", { query: { limit: "1", guests: "false" } });
  if (a.status === 200 || a.status === 401 || a.status === 403) return true;
  if (notImplemented(a)) return false;
  return undefined;
}
