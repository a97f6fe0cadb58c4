import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MatrixError, requestJson } from "./http.ts";

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

function describeError(e: unknown): string {
  if (e instanceof MatrixError) return `${e.status}${e.errcode ? ` ${e.errcode}` : ""}`;
  return (e as Error).message.replace(/^\w+ \S+ failed: /, "");
}

/** A 404/405 or M_UNRECOGNIZED: the endpoint is not implemented (or not routed) there. */
function notImplemented(e: unknown): boolean {
  return e instanceof MatrixError && (e.status === 404 || e.status === 405 || e.errcode === "M_UNRECOGNIZED");
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
    const { body } = await requestJson<V>(base, "GET", "_matrix/federation/v1/version", { timeoutMs: 10_000 });
    if (body.server?.name) return { name: body.server.name, version: body.server.version ?? "", via };
    return undefined;
  };
  try {
    const s = await fromFederation(hs.clientUrl, "federation /version at the client URL");
    if (s) return s;
  } catch {
    /* federation may live elsewhere: try the server's delegation */
  }
  try {
    const host = hs.serverName;
    const { body } = await requestJson<{ "m.server"?: string }>(`https://${host}`, "GET", ".well-known/matrix/server", { timeoutMs: 10_000 });
    if (body["m.server"]) {
      const s = await fromFederation(`https://${body["m.server"]}`, `federation /version at ${body["m.server"]}`);
      if (s) return s;
    }
  } catch {
    /* no delegation */
  }
  if (adminToken) {
    try {
      const { body } = await requestJson<{ server_version: string }>(hs.adminUrl, "GET", "_synapse/admin/v1/server_version", { token: adminToken, timeoutMs: 10_000 });
      return { name: "Synapse", version: body.server_version, via: "Synapse admin API server_version" };
    } catch {
      /* not Synapse, or not reachable */
    }
  }
  return undefined;
}

async function loginDelegation(hs: ServerAddress): Promise<ServerCapabilities["loginDelegated"]> {
  const MSC2965 = "org.matrix.msc2965.authentication";
  // Client discovery first: where a client learns that login is delegated.
  for (const base of [...new Set([`https://${hs.serverName}`, hs.clientUrl])]) {
    try {
      const { body } = await requestJson<Record<string, { issuer?: string; account?: string } | undefined>>(base, "GET", ".well-known/matrix/client", { timeoutMs: 10_000 });
      const auth = body[MSC2965];
      if (auth?.issuer) return { present: true, issuer: auth.issuer, account: auth.account, detail: `client well-known at ${base} names ${MSC2965} issuer ${auth.issuer}` };
    } catch {
      /* no client well-known there */
    }
  }
  for (const path of ["_matrix/client/v1/auth_metadata", "_matrix/client/unstable/org.matrix.msc2965/auth_metadata"]) {
    try {
      const { body } = await requestJson<{ issuer?: string; account_management_uri?: string }>(hs.clientUrl, "GET", path, { timeoutMs: 10_000 });
      if (body.issuer) return { present: true, issuer: body.issuer, account: body.account_management_uri, detail: `/${path} names issuer ${body.issuer}` };
    } catch (e) {
      if (!notImplemented(e)) return { present: undefined, detail: `/${path} answered ${describeError(e)}` };
    }
  }
  return { present: false, detail: "no org.matrix.msc2965.authentication in the client well-known and no /_matrix/client/v1/auth_metadata" };
}

async function authenticatedMedia(hs: ServerAddress, versions: string[]): Promise<Capability> {
  try {
    await requestJson(hs.clientUrl, "GET", "_matrix/client/v1/media/config", { timeoutMs: 10_000 });
    return { present: true, detail: "/_matrix/client/v1/media/config answers (without a token)" };
  } catch (e) {
    if (e instanceof MatrixError && e.status === 401) return { present: true, detail: "/_matrix/client/v1/media/config exists and asks for a token" };
    if (notImplemented(e)) return { present: false, detail: `/_matrix/client/v1/media/config: ${describeError(e)}${versions.includes("v1.11") ? " although the server advertises v1.11" : ""}` };
    return unknown(`/_matrix/client/v1/media/config: ${describeError(e)}`);
  }
}

async function sharedSecretRegistration(hs: ServerAddress): Promise<Capability> {
  try {
    const { body } = await requestJson<{ nonce?: string }>(hs.adminUrl, "GET", "_synapse/admin/v1/register", { timeoutMs: 10_000 });
    if (!body.nonce) return { present: false, detail: "/_synapse/admin/v1/register gave no nonce" };
    return { present: true, detail: `/_synapse/admin/v1/register hands out nonces at ${hs.adminUrl}` };
  } catch (e) {
    // Synapse answers 400 "Shared secret registration is not enabled" when the secret is unset.
    if (e instanceof MatrixError && (e.status === 400 || notImplemented(e))) return { present: false, detail: `/_synapse/admin/v1/register: ${describeError(e)}` };
    return unknown(`/_synapse/admin/v1/register: ${describeError(e)}`);
  }
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
  let userId: string;
  try {
    userId = (await requestJson<{ user_id: string }>(hs.clientUrl, "GET", "_matrix/client/v3/account/whoami", { token, timeoutMs: 10_000 })).body.user_id;
  } catch (e) {
    const d = unknown(`whoami with the admin token: ${describeError(e)}`);
    return { api: d, override: d };
  }
  const base = hs.adminUrl;
  // The user list answers an admin (200) and refuses anyone else (403 M_FORBIDDEN) on Synapse with and without
  // delegated login (under MAS it needs guests=false; /v1/users/<id>/admin is not there); 404: no admin API.
  const list = await requestJson<{ errcode?: string; error?: string }>(base, "GET", "_synapse/admin/v2/users", { token, query: { limit: "1", guests: "false" }, timeoutMs: 10_000, accept: [400, 401, 403, 404, 405] });
  if (list.status === 403 && list.body.errcode === "M_FORBIDDEN") {
    const api = { present: true, detail: `answers at ${base}, but ${userId} is no server admin` };
    return { api, override: unknown("the token's user is no server admin"), admin: false };
  }
  if (list.status === 404 || list.status === 405 || list.body.errcode === "M_UNRECOGNIZED") {
    const d = { present: false, detail: `/_synapse/admin at ${base}: ${list.status}${list.body.errcode ? ` ${list.body.errcode}` : ""}` };
    return { api: d, override: { present: false, detail: "no Synapse admin API" } };
  }
  if (list.status !== 200) {
    const d = unknown(`/_synapse/admin/v2/users at ${base}: ${list.status}${list.body.errcode ? ` ${list.body.errcode}` : ""}`);
    return { api: d, override: d };
  }
  const admin = true;
  const api = { present: true, detail: `answers at ${base} (${userId} is ${admin ? "" : "not "}an admin)` };
  if (!admin) return { api, override: unknown("the token's user is no server admin"), admin };
  try {
    await requestJson(base, "GET", `_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit`, { token, timeoutMs: 10_000 });
    return { api, override: { present: true, detail: "the admin API's override_ratelimit endpoint answers" }, admin };
  } catch (e) {
    return { api, override: notImplemented(e) ? { present: false, detail: `override_ratelimit: ${describeError(e)}` } : unknown(`override_ratelimit: ${describeError(e)}`), admin };
  }
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
  try {
    clientVersions = (await requestJson<{ versions?: string[] }>(hs.clientUrl, "GET", "_matrix/client/versions", { timeoutMs: 15_000 })).body.versions ?? [];
  } catch {
    /* pre-flight has reported an unreachable target already */
  }
  const adminToken = opts.adminToken;
  const [sw, delegated, media, shared, admin] = await Promise.all([
    software(hs, adminToken),
    loginDelegation(hs),
    authenticatedMedia(hs, clientVersions),
    sharedSecretRegistration(hs),
    adminProbe(hs, adminToken),
  ]);
  let passwordLogin: Capability;
  try {
    const { body } = await requestJson<{ flows?: { type: string }[] }>(hs.clientUrl, "GET", "_matrix/client/v3/login", { timeoutMs: 10_000 });
    const types = (body.flows ?? []).map((f) => f.type);
    passwordLogin = { present: types.includes("m.login.password"), detail: `login flows: ${types.join(", ") || "none"}` };
  } catch (e) {
    passwordLogin = unknown(`/login: ${describeError(e)}`);
  }
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
  try {
    await requestJson(hs.adminUrl, "GET", "_synapse/admin/v2/users", { query: { limit: "1", guests: "false" }, timeoutMs: 10_000 });
    return true;
  } catch (e) {
    if (e instanceof MatrixError && (e.status === 401 || e.status === 403)) return true;
    if (notImplemented(e)) return false;
    return undefined;
  }
}
