import { cpSync, mkdirSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../../config/errors.ts";
import { KeycloakAdmin } from "../../idp/keycloak-admin.ts";
import { randomPassword } from "../../matrix/login.ts";
import { baseUrl } from "../generate.ts";
import { freePort } from "../ports.ts";
import type { StackPart } from "../parts.ts";
import { KEYCLOAK_VERSION, ensureKeycloakDist, ensureKeycloakTemplate, javaHome } from "./keycloak-dist.ts";
import { spawnKeycloak, waitKeycloakReady } from "./keycloak-process.ts";
import { ensure } from "../install.ts";
import { keycloak } from "../installables.ts";

/**
 * Keycloak as hs1's OIDC provider (`--with keycloak`): the cached distribution (keycloak-dist.ts) started with
 * `start --optimized` on a free loopback port, a copy of the cached database template (keycloak-dist.ts) in the
 * state folder, and a realm the stack generates: an OIDC client for hs1 (secret random per start), a test user, German as default locale.
 *
 * With `--with mas`, Keycloak is MAS's upstream provider instead (as in the messenger's chart, where MAS owns the
 * IdPs): the realm's client is MAS's (redirect to MAS's `/upstream/callback/<provider id>`), the provider entry goes
 * into MAS's config (`forParts.mas`), and hs1 gets no `oidc_providers`.
 *
 * https only, with the stack's certificate (local CA): Synapse's OIDC client uses the process's default trust store
 * (federation_custom_ca_list is for federation only), so the launcher starts the homeservers with SSL_CERT_FILE =
 * system CAs + local CA (src/stack/tls.ts trustBundle); nothing is added to the machine's store.
 */

export const REALM = "mxaccept";
export const CLIENT_ID = "synapse";
export const IDP_ID = "keycloak";
/** The realm's client for MAS when Keycloak is MAS's upstream provider (`--with mas,keycloak`). */
export const MAS_CLIENT_ID = "mas";
/**
 * MAS's id of the Keycloak provider (a ULID, as MAS wants), the same on every start so an --overlay-mas can name
 * it: `upstream_oauth2: {providers: [{id: 01KEYC10AKMXACCEPT00000000, …}]}` changes one setting of it.
 */
export const MAS_PROVIDER_ID = "01KEYC10AKMXACCEPT00000000";
export const TEST_USER = { username: "erika.mustermann", firstName: "Erika", lastName: "Mustermann", email: "erika.mustermann@example.org" };

/** A confidential OIDC client of the realm (the relying party: hs1, or MAS) with its callback and back-channel logout. */
function relyingParty(clientId: string, name: string, clientSecret: string, origin: string, callback: string, backchannelLogout: string): Record<string, unknown> {
  return {
    clientId,
    name,
    enabled: true,
    protocol: "openid-connect",
    publicClient: false,
    clientAuthenticatorType: "client-secret",
    secret: clientSecret,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    redirectUris: [callback],
    webOrigins: [origin],
    attributes: { "backchannel.logout.url": backchannelLogout, "backchannel.logout.session.required": "true" },
  };
}

/** The realm's client when MAS is the relying party: MAS's callback and back-channel logout for one provider id. */
export function masClient(masPublicBase: string, providerId: string, clientSecret: string): Record<string, unknown> {
  return relyingParty(MAS_CLIENT_ID, "Matrix Authentication Service", clientSecret, masPublicBase.replace(/\/$/, ""), `${masPublicBase}upstream/callback/${providerId}`, `${masPublicBase}upstream/backchannel-logout/${providerId}`);
}

/** Keycloak as an entry of MAS's `upstream_oauth2.providers` (MAS's docs/setup/sso.md, "Keycloak"). */
export function masUpstreamProvider(id: string, issuer: string, clientSecret: string): Record<string, unknown> {
  return {
    id,
    issuer,
    human_name: "Keycloak",
    client_id: MAS_CLIENT_ID,
    client_secret: clientSecret,
    token_endpoint_auth_method: "client_secret_post",
    scope: "openid profile email",
    claims_imports: {
      localpart: { action: "require", template: "{{ user.preferred_username }}" },
      displayname: { action: "suggest", template: "{{ user.name }}" },
      email: { action: "suggest", template: "{{ user.email }}", set_email_verification: "always" },
    },
  };
}

/** The realm the reference instance's Keycloak serves: hs1's client (or MAS's, `client`), one test user, German by default. */
export function realmRepresentation(hs1BaseUrl: string, clientSecret: string, testPassword: string, client?: Record<string, unknown>): Record<string, unknown> {
  return {
    realm: REALM,
    displayName: "mxaccept Referenzinstanz",
    enabled: true,
    internationalizationEnabled: true,
    supportedLocales: ["de", "en"],
    defaultLocale: "de",
    clients: [client ?? relyingParty(CLIENT_ID, "Synapse hs1", clientSecret, hs1BaseUrl, `${hs1BaseUrl}/_synapse/client/oidc/callback`, `${hs1BaseUrl}/_synapse/client/oidc/backchannel_logout`)],
    users: [{ ...TEST_USER, enabled: true, emailVerified: true, credentials: [{ type: "password", value: testPassword, temporary: false }] }],
  };
}

export const keycloakPart: StackPart = {
  name: "keycloak",
  description: "Keycloak as hs1's OIDC provider (identity and portals suites)",
  configuresHomeservers: true,
  async prepare(ctx) {
    // Java, Maven and the distribution (fetched and built once), announced with a heartbeat on first use.
    await ensure(keycloak, ctx.log);
    const { home, fetchedMs, builtMs } = await ensureKeycloakDist(ctx.log);
    if (fetchedMs !== undefined || builtMs !== undefined) {
      ctx.log(`Keycloak ${KEYCLOAK_VERSION} cached in ${home}: fetch ${((fetchedMs ?? 0) / 1000).toFixed(1)} s, build ${((builtMs ?? 0) / 1000).toFixed(1)} s`);
    }
    const template = await ensureKeycloakTemplate(home, ctx.log);
    if (template.madeMs !== undefined) ctx.log(`Keycloak database template made in ${(template.madeMs / 1000).toFixed(1)} s`);
    const jhome = await javaHome();
    const dir = join(ctx.stateDir, "keycloak");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    cpSync(template.h2Dir, join(dir, "h2"), { recursive: true });
    const port = await freePort();
    const base = `https://localhost:${port}`;
    const issuer = `${base}/realms/${REALM}`;
    const clientSecret = randomBytes(24).toString("base64url");
    const testPassword = randomPassword();
    const hs1 = baseUrl(ctx.layout, "hs1");
    // With MAS, MAS is the relying party: it tells this plan its public URL (receive), and gets the provider.
    const mas = ctx.with.includes("mas");
    const providerId = MAS_PROVIDER_ID;
    let masPublicBase: string | undefined;
    const masProvider = masUpstreamProvider(providerId, issuer, clientSecret);

    return {
      ...(mas ? {
        forParts: { mas: { upstream_oauth2: { providers: [masProvider] } } },
        receive(settings) {
          masPublicBase = settings.map((s) => s.masPublicBase).find((u): u is string => typeof u === "string");
        },
      } : {}),
      homeserver: mas ? {} : {
        hs1: {
          oidc_providers: [{
            idp_id: IDP_ID,
            idp_name: "Keycloak",
            issuer,
            client_id: CLIENT_ID,
            client_secret: clientSecret,
            scopes: ["openid", "profile"],
            user_mapping_provider: { config: { localpart_template: "{{ user.preferred_username }}", display_name_template: "{{ user.name }}" } },
            backchannel_logout_enabled: true,
          }],
        },
      },
      targetEnv: {
        MXACCEPT_IDP_URL: issuer,
        MXACCEPT_IDP_KIND: "keycloak",
        MXACCEPT_IDP_ADMIN_USER: template.adminUser,
        MXACCEPT_IDP_ADMIN_PASSWORD: template.adminPassword,
        MXACCEPT_IDP_TEST_USER: TEST_USER.username,
        MXACCEPT_IDP_TEST_PASSWORD: testPassword,
        // Synapse's id of the provider (its SSO redirect); with MAS, the login page is MAS's.
        ...(mas ? {} : { MXACCEPT_SSO_IDP_ID: `oidc-${IDP_ID}` }),
        MXACCEPT_IDM_PORTAL_URL: `${base}/admin/master/console/`,
      },
      async start(track) {
        const t0 = performance.now();
        const kc = spawnKeycloak({ home, javaHome: jhome, dir, port, tls: { cert: ctx.layout.tls.cert, key: ctx.layout.tls.key } });
        track({ name: "keycloak", pid: kc.pid, match: kc.match, log: kc.log });
        await waitKeycloakReady(kc);
        ctx.log(`Keycloak ready in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${base}`);
        try {
          await new KeycloakAdmin(base, { username: template.adminUser, password: template.adminPassword }).createRealm(realmRepresentation(hs1, clientSecret, testPassword, mas ? masClient(masPublicBase!, providerId, clientSecret) : undefined));
        } catch (e) {
          throw new UserError(`could not create Keycloak's realm ${REALM}: ${(e as Error).message}; see ${kc.log}.`);
        }
      },
    };
  },
};
