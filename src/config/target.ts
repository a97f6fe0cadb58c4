import { readFileSync, existsSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { UserError } from "./errors.ts";
import { formatZodIssue } from "./zod-issue.ts";

/**
 * A target: the Matrix instance under test, described by a dotenv file (.env.example documents every key).
 * `mxaccept stack up` writes one for the embedded reference instance, so both go through this loader.
 */

const url = z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://matrix.example.org" }).transform((u) => u.replace(/\/+$/, ""));
const serverName = z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be a server name such as example.org or localhost:8448");
const secret = z.string().min(8, "must be at least 8 characters");

const keys = {
  MXACCEPT_BASE_URL: url,
  MXACCEPT_SERVER_NAME: serverName,
  MXACCEPT_ADMIN_TOKEN: secret.optional(),
  MXACCEPT_REGISTRATION_SHARED_SECRET: secret.optional(),
  MXACCEPT_PARTNER_BASE_URL: url.optional(),
  MXACCEPT_PARTNER_SERVER_NAME: serverName.optional(),
  MXACCEPT_PARTNER_ADMIN_TOKEN: secret.optional(),
  MXACCEPT_PARTNER_REGISTRATION_SHARED_SECRET: secret.optional(),
  MXACCEPT_PARTNER_ADMIN_BASE_URL: url.optional(),
  MXACCEPT_OUTSIDER_BASE_URL: url.optional(),
  MXACCEPT_OUTSIDER_SERVER_NAME: serverName.optional(),
  MXACCEPT_OUTSIDER_ADMIN_TOKEN: secret.optional(),
  MXACCEPT_OUTSIDER_REGISTRATION_SHARED_SECRET: secret.optional(),
  MXACCEPT_OUTSIDER_ADMIN_BASE_URL: url.optional(),
  MXACCEPT_ADMIN_BASE_URL: url.optional(),
  MXACCEPT_CA_FILE: z.string().min(1).optional(),
  MXACCEPT_PROFILE: z.string().regex(/^[a-z0-9-]+$/, "must be a profile id such as managed-bundesmessenger").optional(),
  MXACCEPT_SCANNER_URL: url.optional(),
  MXACCEPT_PARTNER_SCANNER_URL: url.optional(),
  MXACCEPT_SCANNER_AV_STOP: z.string().min(1).optional(),
  MXACCEPT_SCANNER_AV_START: z.string().min(1).optional(),
  MXACCEPT_IDP_URL: url.optional(),
  MXACCEPT_IDP_KIND: z.enum(["keycloak", "entra", "okta"]).optional(),
  MXACCEPT_IDP_ADMIN_USER: z.string().min(1).optional(),
  MXACCEPT_IDP_ADMIN_PASSWORD: secret.optional(),
  MXACCEPT_IDP_ADMIN_REALM: z.string().min(1).optional(),
  MXACCEPT_IDP_TEST_USER: z.string().min(1).optional(),
  MXACCEPT_IDP_TEST_PASSWORD: z.string().min(1).optional(),
  MXACCEPT_IDP_LOGIN_SELECTORS: z.string().min(2).optional(),
  MXACCEPT_SSO_IDP_ID: z.string().regex(/^[A-Za-z0-9._~-]+$/, "must be the homeserver's SSO provider id such as oidc-keycloak").optional(),
  MXACCEPT_IDM_PORTAL_URL: url.optional(),
  MXACCEPT_ADMIN_API_URL: url.optional(),
  MXACCEPT_APP_PORTAL_URL: url.optional(),
  MXACCEPT_APP_PORTAL_KIND: z.enum(["synapse-admin"], { message: "must be a portal kind the harness drives: synapse-admin" }).default("synapse-admin"),
  MXACCEPT_WEB_CLIENT_URL: url.optional(),
  MXACCEPT_DESTRUCTIVE: z.enum(["allow", "deny"]).default("deny"),
  MXACCEPT_EMBEDDED: z.enum(["0", "1"]).default("0"),
  MXACCEPT_TIME_SCALE: z.coerce.number().positive("must be a positive number").default(1),
  MXACCEPT_SIZE_SCALE: z.coerce.number().positive("must be a positive number").default(1),
  MXACCEPT_CROSS_TENANT: z.enum(["off", "on"]).optional(),
  MXACCEPT_GROUP_SIZE_LIMIT: z.coerce.number().int("must be a whole number").positive("must be a positive number").optional(),
  MXACCEPT_HOMESERVER_CONFIG: z.string().min(1).optional(),
  MXACCEPT_MAS_URL: url.optional(),
  MXACCEPT_MAS_ADMIN_URL: url.optional(),
  MXACCEPT_MAS_CLIENT_ID: z.string().min(1).optional(),
  MXACCEPT_MAS_CLIENT_SECRET: secret.optional(),
} as const;

const TargetEnv = z.object(keys).strict();
type TargetEnv = z.infer<typeof TargetEnv>;

export interface HomeserverTarget {
  /** Which server of the target this is (src/matrix/deployment.ts); unset in hand-made objects: the instance. */
  role?: "instance" | "partner" | "outsider";
  baseUrl: string;
  serverName: string;
  adminToken?: string;
  registrationSharedSecret?: string;
  /**
   * Where the admin API (and metrics) answer when the operator keeps them off the public client URL. Read it
   * through src/matrix/deployment.ts (`Deployment.of(target).instance.adminUrl`, carried as the deployment), which decides where every request goes.
   */
  adminBaseUrl?: string;
  /**
   * The Matrix Authentication Service this server delegates login to (MSC3861), when the target names it: its
   * public URL (OAuth 2.0 endpoints, the compatibility login behind the client URL), where its admin API answers
   * (default the public URL), and a client whose client-credentials grant gets `urn:mas:admin`.
   */
  mas?: { url: string; adminUrl: string; clientId?: string; clientSecret?: string };
}

export interface Target extends HomeserverTarget {
  source: string;
  profile?: string;
  caFile?: string;
  partner?: HomeserverTarget;
  outsider?: HomeserverTarget;
  scannerUrl?: string;
  /** The partner's content scanner (MXACCEPT_PARTNER_SCANNER_URL), through which its users fetch media. */
  partnerScannerUrl?: string;
  /** Shell commands that stop and start the scanner's virus engine (fail-closed check; destructive). */
  scannerAv?: { stop: string; start: string };
  idp?: {
    url: string;
    kind: "keycloak" | "entra" | "okta";
    /** An IdP administrator for the identity checks (Keycloak admin API); realm defaults to master. */
    admin?: { username: string; password: string; realm?: string };
    /** An existing IdP account the SSO check logs in with. */
    testUser?: { username: string; password: string };
    /** Overrides of the login-page selectors of the kind's preset (JSON object, see src/idp/presets.ts). */
    loginSelectors?: string;
    /** The homeserver's id of this provider in its SSO login flow (e.g. oidc-keycloak); default: the only one offered. */
    ssoIdpId?: string;
  };
  idmPortalUrl?: string;
  appPortalUrl?: string;
  /** Which application management portal appPortalUrl is (selects its page object); default synapse-admin. */
  appPortalKind: "synapse-admin";
  webClientUrl?: string;
  /** Where the Synapse admin API answers (the API of the application management portal); default: baseUrl. */
  adminApiUrl: string;
  /** MXACCEPT_DESTRUCTIVE=allow: the target is a test instance that destructive checks may disrupt. */
  destructive: boolean;
  /** The embedded reference instance started by `mxaccept stack up`. */
  embedded: boolean;
  /** Durations of the reference instance are divided by this (live-expiry tests); 1 for any real target. */
  timeScale: number;
  /** Storage quotas of the reference instance are divided by this (so tests do not write gigabytes); 1 elsewhere. */
  sizeScale: number;
  /**
   * The declared state of cross-tenant communication between the target (tenant A) and the partner (tenant B):
   * off = they must not reach each other, on = the tenant admin has enabled the partner. Unset: not declared.
   */
  crossTenant?: "off" | "on";
  /** The reference instance's group size limit when it differs from the contract's (--group-limit); unset elsewhere. */
  groupSizeLimit?: number;
  /**
   * The instance's effective homeserver.yaml (MXACCEPT_HOMESERVER_CONFIG): files and folders, comma-separated,
   * read by the retention suite's config proof (src/report/retention-config.ts). Unset: no config proof.
   */
  homeserverConfig?: string;
}

function homeserver(env: TargetEnv, role: "PARTNER" | "OUTSIDER", source: string): HomeserverTarget | undefined {
  const base = env[`MXACCEPT_${role}_BASE_URL`];
  const name = env[`MXACCEPT_${role}_SERVER_NAME`];
  if (!base && !name) {
    if (env[`MXACCEPT_${role}_ADMIN_BASE_URL`]) throw new UserError(`target ${source}: MXACCEPT_${role}_ADMIN_BASE_URL is set but MXACCEPT_${role}_BASE_URL is not: a ${role.toLowerCase()} needs base URL and server name.`);
    return undefined;
  }
  if (!base || !name) {
    const missing = base ? `MXACCEPT_${role}_SERVER_NAME` : `MXACCEPT_${role}_BASE_URL`;
    throw new UserError(`target ${source}: ${missing} is missing: a ${role.toLowerCase()} needs both base URL and server name.`);
  }
  return {
    role: role === "PARTNER" ? "partner" : "outsider",
    baseUrl: base,
    serverName: name,
    adminToken: env[`MXACCEPT_${role}_ADMIN_TOKEN`],
    registrationSharedSecret: env[`MXACCEPT_${role}_REGISTRATION_SHARED_SECRET`],
    adminBaseUrl: env[`MXACCEPT_${role}_ADMIN_BASE_URL`],
  };
}

/** Validates the key/value pairs of a target file. `source` names the file in errors. */
export function parseTarget(vars: Record<string, string>, source: string): Target {
  const relevant = Object.fromEntries(Object.entries(vars).filter(([k, v]) => k.startsWith("MXACCEPT_") && v !== ""));
  const unknown = Object.keys(relevant).find((k) => !(k in keys));
  if (unknown) throw new UserError(`target ${source}: unknown key ${unknown}: see .env.example for the keys.`);
  const result = TargetEnv.safeParse(relevant);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const what = issue.code === "invalid_type" && issue.input === undefined ? `${String(issue.path[0])} is missing` : formatZodIssue(issue);
    throw new UserError(`target ${source}: ${what}; fix the file (see .env.example).`);
  }
  const env = result.data;
  if ((env.MXACCEPT_MAS_ADMIN_URL || env.MXACCEPT_MAS_CLIENT_ID || env.MXACCEPT_MAS_CLIENT_SECRET) && !env.MXACCEPT_MAS_URL) {
    throw new UserError(`target ${source}: MXACCEPT_MAS_ADMIN_URL or MXACCEPT_MAS_CLIENT_ID is set but MXACCEPT_MAS_URL is not: name the Matrix Authentication Service's public URL.`);
  }
  if (!!env.MXACCEPT_MAS_CLIENT_ID !== !!env.MXACCEPT_MAS_CLIENT_SECRET) {
    throw new UserError(`target ${source}: set both MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET (a MAS client listed in policy.data.admin_clients), or neither.`);
  }
  const masCanCreate = !!env.MXACCEPT_MAS_CLIENT_ID;
  if (!env.MXACCEPT_ADMIN_TOKEN && !env.MXACCEPT_REGISTRATION_SHARED_SECRET && !masCanCreate) {
    throw new UserError(`target ${source}: set MXACCEPT_ADMIN_TOKEN or MXACCEPT_REGISTRATION_SHARED_SECRET (or, where login is delegated, MXACCEPT_MAS_URL with MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET): the harness needs one to create its test users.`);
  }
  if (env.MXACCEPT_CA_FILE && !existsSync(env.MXACCEPT_CA_FILE)) {
    throw new UserError(`target ${source}: MXACCEPT_CA_FILE ${env.MXACCEPT_CA_FILE} does not exist: point it at the PEM file of the CA that signed the target's certificate.`);
  }
  const missingConfig = env.MXACCEPT_HOMESERVER_CONFIG?.split(",").map((s) => s.trim()).find((f) => f && !existsSync(f));
  if (missingConfig) {
    throw new UserError(`target ${source}: MXACCEPT_HOMESERVER_CONFIG names ${missingConfig}, which does not exist: export the instance's rendered homeserver.yaml there.`);
  }
  return {
    source,
    role: "instance",
    baseUrl: env.MXACCEPT_BASE_URL,
    serverName: env.MXACCEPT_SERVER_NAME,
    adminToken: env.MXACCEPT_ADMIN_TOKEN,
    registrationSharedSecret: env.MXACCEPT_REGISTRATION_SHARED_SECRET,
    adminBaseUrl: env.MXACCEPT_ADMIN_BASE_URL,
    mas: env.MXACCEPT_MAS_URL
      ? { url: env.MXACCEPT_MAS_URL, adminUrl: env.MXACCEPT_MAS_ADMIN_URL ?? env.MXACCEPT_MAS_URL, clientId: env.MXACCEPT_MAS_CLIENT_ID, clientSecret: env.MXACCEPT_MAS_CLIENT_SECRET }
      : undefined,
    profile: env.MXACCEPT_PROFILE,
    caFile: env.MXACCEPT_CA_FILE,
    partner: homeserver(env, "PARTNER", source),
    outsider: homeserver(env, "OUTSIDER", source),
    scannerUrl: env.MXACCEPT_SCANNER_URL,
    partnerScannerUrl: env.MXACCEPT_PARTNER_SCANNER_URL,
    scannerAv: env.MXACCEPT_SCANNER_AV_STOP && env.MXACCEPT_SCANNER_AV_START ? { stop: env.MXACCEPT_SCANNER_AV_STOP, start: env.MXACCEPT_SCANNER_AV_START } : undefined,
    idp: env.MXACCEPT_IDP_URL
      ? {
          url: env.MXACCEPT_IDP_URL,
          kind: env.MXACCEPT_IDP_KIND ?? "keycloak",
          admin: env.MXACCEPT_IDP_ADMIN_USER && env.MXACCEPT_IDP_ADMIN_PASSWORD ? { username: env.MXACCEPT_IDP_ADMIN_USER, password: env.MXACCEPT_IDP_ADMIN_PASSWORD, realm: env.MXACCEPT_IDP_ADMIN_REALM } : undefined,
          testUser: env.MXACCEPT_IDP_TEST_USER && env.MXACCEPT_IDP_TEST_PASSWORD ? { username: env.MXACCEPT_IDP_TEST_USER, password: env.MXACCEPT_IDP_TEST_PASSWORD } : undefined,
          loginSelectors: env.MXACCEPT_IDP_LOGIN_SELECTORS,
          ssoIdpId: env.MXACCEPT_SSO_IDP_ID,
        }
      : undefined,
    idmPortalUrl: env.MXACCEPT_IDM_PORTAL_URL,
    appPortalUrl: env.MXACCEPT_APP_PORTAL_URL,
    appPortalKind: env.MXACCEPT_APP_PORTAL_KIND,
    webClientUrl: env.MXACCEPT_WEB_CLIENT_URL,
    adminApiUrl: env.MXACCEPT_ADMIN_API_URL ?? env.MXACCEPT_ADMIN_BASE_URL ?? env.MXACCEPT_BASE_URL,
    destructive: env.MXACCEPT_DESTRUCTIVE === "allow",
    embedded: env.MXACCEPT_EMBEDDED === "1",
    timeScale: env.MXACCEPT_TIME_SCALE,
    sizeScale: env.MXACCEPT_SIZE_SCALE,
    crossTenant: env.MXACCEPT_CROSS_TENANT,
    groupSizeLimit: env.MXACCEPT_GROUP_SIZE_LIMIT,
    homeserverConfig: env.MXACCEPT_HOMESERVER_CONFIG,
  };
}

/** Reads and validates a target file. */
export function loadTarget(path: string): Target {
  if (!existsSync(path)) throw new UserError(`target file ${path} not found: pass --target with a dotenv file (copy .env.example).`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`target file ${path} cannot be read (${(e as NodeJS.ErrnoException).code}): check its permissions.`);
  }
  return parseTarget(parseDotenv(text), path);
}

/** The secret values of a target, for redaction from anything the harness writes. */
export function targetSecrets(t: Target): string[] {
  return [t, t.partner, t.outsider]
    .flatMap((h) => [h?.adminToken, h?.registrationSharedSecret, h?.mas?.clientSecret])
    .concat([t.idp?.admin?.password, t.idp?.testUser?.password])
    .filter((s): s is string => typeof s === "string" && s.length > 0);
}
