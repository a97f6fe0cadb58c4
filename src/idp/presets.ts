import { z } from "zod";
import { UserError } from "../config/errors.ts";

/**
 * Login-page selectors of the identity providers the harness can drive in a browser. Keycloak's preset is
 * exercised against the reference instance; the Entra ID and Okta presets follow those products' public login
 * pages and are untested until run against a real tenant: override any selector with MXACCEPT_IDP_LOGIN_SELECTORS.
 */

export interface LoginSelectors {
  username: string;
  /** A "next" button between username and password (two-step pages); absent on one-page forms. */
  next?: string;
  password: string;
  submit: string;
  /** Where the page shows a refused login (wrong password, disabled account). */
  error: string;
  /** An optional interstitial after login ("stay signed in?") to confirm. */
  afterLogin?: string;
}

export const LOGIN_PRESETS: Record<"keycloak" | "entra" | "okta", LoginSelectors & { tested: boolean }> = {
  keycloak: {
    tested: true,
    username: "#username",
    password: "#password",
    submit: "#kc-login",
    error: "#input-error, #input-error-username, .kc-feedback-text, .pf-m-danger, .alert-error",
  },
  entra: {
    tested: false,
    username: "input[name=loginfmt]",
    next: "#idSIButton9",
    password: "input[name=passwd]",
    submit: "#idSIButton9",
    error: "#usernameError, #passwordError, #idTD_Error",
    afterLogin: "#idBtn_Back",
  },
  okta: {
    tested: false,
    username: "input[name=identifier]",
    next: "input[type=submit]",
    password: "input[name='credentials.passcode']",
    submit: "input[type=submit]",
    error: ".o-form-error-container, .okta-form-infobox-error",
  },
};

const Overrides = z.object({
  username: z.string().min(1),
  next: z.string().min(1),
  password: z.string().min(1),
  submit: z.string().min(1),
  error: z.string().min(1),
  afterLogin: z.string().min(1),
}).partial().strict();

/** The preset of `kind` with the target's overrides (a JSON object) applied. */
export function loginSelectors(kind: keyof typeof LOGIN_PRESETS, overrides?: string): LoginSelectors & { tested: boolean } {
  const preset = LOGIN_PRESETS[kind];
  if (!overrides) return preset;
  let parsed: unknown;
  try {
    parsed = JSON.parse(overrides);
  } catch {
    throw new UserError("MXACCEPT_IDP_LOGIN_SELECTORS is not JSON: write an object such as {\"username\":\"#user\"}.");
  }
  const r = Overrides.safeParse(parsed);
  if (!r.success) throw new UserError(`MXACCEPT_IDP_LOGIN_SELECTORS: ${r.error.issues[0]!.message} (keys: username, next, password, submit, error, afterLogin).`);
  return { ...preset, ...r.data };
}
