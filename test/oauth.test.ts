import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { authorizationRequest, readRedirect, type AuthMetadata } from "../src/matrix/oauth.ts";

// The OAuth 2.0 client's request and redirect handling without a server (the flow against a real MAS is
// test/mas-sso.e2e.test.ts).

const meta: AuthMetadata = {
  issuer: "https://auth.example.test/",
  authorization_endpoint: "https://auth.example.test/authorize",
  token_endpoint: "https://auth.example.test/oauth2/token",
  registration_endpoint: "https://auth.example.test/oauth2/registration",
  code_challenge_methods_supported: ["plain", "S256"],
  discoveredAt: "https://matrix.example.test/_matrix/client/v1/auth_metadata",
};
const client = { clientId: "01CLIENT", redirectUri: "http://127.0.0.1:40000/callback" };

describe("the authorization request", () => {
  it("asks for a code with PKCE S256, a state, and the client API and device scopes", () => {
    const req = authorizationRequest(meta, client, { deviceId: "MXA0123456789" });
    const p = new URL(req.url).searchParams;
    expect(req.url.startsWith(meta.authorization_endpoint)).toBe(true);
    expect(Object.fromEntries(p)).toMatchObject({ response_type: "code", response_mode: "query", client_id: "01CLIENT", redirect_uri: client.redirectUri, code_challenge_method: "S256", state: req.state });
    expect(p.get("scope")).toBe("openid urn:matrix:client:api:* urn:matrix:client:device:MXA0123456789");
    expect(p.get("code_challenge")).toBe(createHash("sha256").update(req.codeVerifier).digest("base64url"));
    expect(req.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(authorizationRequest(meta, client).state, "a fresh state each time").not.toBe(req.state);
  });

  it("a fresh device id fits the device scope (at least 10 characters)", () => {
    expect(authorizationRequest(meta, client).deviceId).toMatch(/^[A-Z0-9]{10,}$/);
  });

  it("refuses a server without S256", () => {
    expect(() => authorizationRequest({ ...meta, code_challenge_methods_supported: ["plain"] }, client)).toThrow(/does not offer PKCE with S256/);
  });
});

describe("the redirect", () => {
  const req = authorizationRequest(meta, client);
  it("gives the code when the state matches", () => {
    expect(readRedirect(req, `${client.redirectUri}?code=abc&state=${req.state}`)).toEqual({ ok: true, code: "abc" });
  });
  it("names the server's error", () => {
    expect(readRedirect(req, `${client.redirectUri}?error=access_denied&error_description=no&state=${req.state}`)).toEqual({ ok: false, error: "access_denied", description: "no" });
  });
  it("refuses a code with another state", () => {
    expect(readRedirect(req, `${client.redirectUri}?code=abc&state=other`)).toMatchObject({ ok: false, error: "state_mismatch" });
  });
});
