import { createHash, randomBytes } from "node:crypto";
import { nameToken } from "./client-log.ts";
import { MatrixError, requestJson } from "./http.ts";

/**
 * The OAuth 2.0 side of a Matrix client where login is delegated (MSC3861: MSC2965 discovery, MSC2966 dynamic client
 * registration, MSC2967 scopes), as an OIDC-native client such as Element X runs it: discover the authorization
 * server, register a public native client, send the user's browser to the authorization endpoint (authorization
 * code with PKCE S256 and a state), exchange the code the redirect brings back for tokens, and revoke them.
 *
 * What happens in the browser between the authorization URL and the redirect is the caller's (a page object); this
 * module only builds the request and reads the redirect. Written against MAS 1.7.0 (its policy
 * `client_registration.rego`: a native client's redirect URIs are `http` on a loopback host, any port, or a custom
 * scheme that is the reverse DNS of its `client_uri`; the `client_uri` must be https and not a loopback host) and
 * the Matrix spec's `GET /_matrix/client/v1/auth_metadata`.
 */

/** The authorization server's metadata (RFC 8414), the fields a client uses. */
export interface AuthMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
  /** Where the metadata was read (`…/auth_metadata` on the client URL, or the issuer's openid-configuration). */
  discoveredAt: string;
}

/** The client API scope of MSC2967 (stable form). */
export const CLIENT_API_SCOPE = "urn:matrix:client:api:*";
/** The MSC2967 device scope: the access token's device id. */
export const deviceScope = (deviceId: string) => `urn:matrix:client:device:${deviceId}`;
/** A device id the device scope accepts (MAS: at least 10 characters of its set). */
export const newOAuthDeviceId = () => `MXA${randomBytes(5).toString("hex").toUpperCase()}`;

/**
 * The homeserver's authorization server: `GET /_matrix/client/v1/auth_metadata` on the client URL (the Matrix spec,
 * v1.15), else the issuer's `/.well-known/openid-configuration` (the issuer given, else the one the client
 * well-known announces under `org.matrix.msc2965.authentication`). Throws naming both places when neither answers.
 */
export async function discoverAuth(clientUrl: string, issuer?: string): Promise<AuthMetadata> {
  const at = `${clientUrl.replace(/\/+$/, "")}/_matrix/client/v1/auth_metadata`;
  const direct = await requestJson<Omit<AuthMetadata, "discoveredAt">>(clientUrl, "GET", "_matrix/client/v1/auth_metadata", { accept: [400, 404] });
  if (direct.status === 200 && direct.body.authorization_endpoint) return { ...direct.body, discoveredAt: at };
  let iss = issuer;
  if (!iss) {
    const wk = await requestJson<Record<string, { issuer?: string } | undefined>>(new URL(clientUrl).origin, "GET", ".well-known/matrix/client", { accept: [404] });
    iss = wk.status === 200 ? wk.body["org.matrix.msc2965.authentication"]?.issuer : undefined;
  }
  if (!iss) throw new Error(`the homeserver names no authorization server: ${at} answered ${direct.status}, and neither the target nor the client well-known (org.matrix.msc2965.authentication) names an issuer`);
  const oidc = `${iss.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const { body } = await requestJson<Omit<AuthMetadata, "discoveredAt">>(iss, "GET", oidc);
  return { ...body, discoveredAt: oidc };
}

/** What a registered public native client is (MSC2966). */
export interface OAuthClient {
  clientId: string;
  redirectUri: string;
}

/**
 * Registers a public native client (`token_endpoint_auth_method: none`, authorization code and refresh token) at
 * the registration endpoint, with one redirect URI (`http://127.0.0.1:<port>/…`, which MAS's policy allows a native
 * client) and a `client_uri` (https, not a loopback host, as the policy wants).
 */
export async function registerNativeClient(meta: AuthMetadata, o: { clientName: string; clientUri: string; redirectUri: string }): Promise<OAuthClient> {
  if (!meta.registration_endpoint) throw new Error(`the authorization server ${meta.issuer} announces no registration_endpoint (MSC2966 dynamic client registration)`);
  const { body } = await requestJson<{ client_id: string }>(meta.issuer, "POST", meta.registration_endpoint, {
    body: {
      client_name: o.clientName,
      client_uri: o.clientUri,
      application_type: "native",
      redirect_uris: [o.redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
  });
  return { clientId: body.client_id, redirectUri: o.redirectUri };
}

/** One authorization request: the URL for the browser and what the redirect and the code exchange need. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
  deviceId: string;
  scope: string;
  client: OAuthClient;
}

const b64url = (b: Buffer) => b.toString("base64url");

/**
 * The authorization URL of a login (authorization code, PKCE S256, a fresh state) with the scopes of a Matrix
 * client: `openid`, the client API and a device of its own (`deviceId`, default fresh).
 */
export function authorizationRequest(meta: AuthMetadata, client: OAuthClient, o: { deviceId?: string; prompt?: string } = {}): AuthorizationRequest {
  if (meta.code_challenge_methods_supported && !meta.code_challenge_methods_supported.includes("S256")) {
    throw new Error(`the authorization server ${meta.issuer} does not offer PKCE with S256 (code_challenge_methods_supported: ${meta.code_challenge_methods_supported.join(", ")})`);
  }
  const codeVerifier = b64url(randomBytes(48));
  const state = b64url(randomBytes(16));
  const deviceId = o.deviceId ?? newOAuthDeviceId();
  const scope = ["openid", CLIENT_API_SCOPE, deviceScope(deviceId)].join(" ");
  const url = new URL(meta.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    response_mode: "query",
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope,
    state,
    code_challenge: b64url(createHash("sha256").update(codeVerifier).digest()),
    code_challenge_method: "S256",
    ...(o.prompt ? { prompt: o.prompt } : {}),
  }).toString();
  return { url: url.toString(), state, codeVerifier, deviceId, scope, client };
}

/** What the redirect brought back: a code, or the authorization server's error. */
export type AuthorizationResponse = { ok: true; code: string } | { ok: false; error: string; description?: string };

/** Reads the redirect URL of `req`: its code when the state matches, else the error it names. */
export function readRedirect(req: AuthorizationRequest, redirected: string): AuthorizationResponse {
  const url = new URL(redirected);
  const p = url.searchParams;
  if (p.get("state") !== req.state) return { ok: false, error: "state_mismatch", description: `the redirect carries state ${p.get("state") ?? "(none)"}, not the request's` };
  const error = p.get("error");
  if (error) return { ok: false, error, description: p.get("error_description") ?? undefined };
  const code = p.get("code");
  return code ? { ok: true, code } : { ok: false, error: "no_code", description: "the redirect carries neither a code nor an error" };
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken?: string;
  expiresIn?: number;
  scope?: string;
  deviceId: string;
}

/** Exchanges the authorization code for tokens (with the PKCE verifier); `who` names the access token in the client log. */
export async function exchangeCode(meta: AuthMetadata, req: AuthorizationRequest, code: string, who: string): Promise<OAuthTokens> {
  const { body } = await requestJson<{ access_token: string; refresh_token?: string; expires_in?: number; scope?: string }>(meta.issuer, "POST", meta.token_endpoint, {
    form: { grant_type: "authorization_code", code, redirect_uri: req.client.redirectUri, client_id: req.client.clientId, code_verifier: req.codeVerifier },
  });
  nameToken(body.access_token, who);
  if (body.refresh_token) nameToken(body.refresh_token, `${who} (refresh)`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresIn: body.expires_in, scope: body.scope, deviceId: req.deviceId };
}

/** Revokes a token (RFC 7009) as the public client that holds it; a server without a revocation endpoint throws. */
export async function revokeToken(meta: AuthMetadata, clientId: string, token: string, hint: "access_token" | "refresh_token" = "access_token"): Promise<void> {
  if (!meta.revocation_endpoint) throw new MatrixError("POST", `${meta.issuer} (revocation)`, 404, { error: "the authorization server announces no revocation_endpoint" });
  await requestJson(meta.issuer, "POST", meta.revocation_endpoint, { form: { token, token_type_hint: hint, client_id: clientId } });
}
