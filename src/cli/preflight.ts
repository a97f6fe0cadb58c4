import { UserError } from "../config/errors.ts";
import type { Target } from "../config/target.ts";
import { deployment } from "../config/deployment.ts";
import { trustCa } from "../config/trust.ts";
import { MatrixError, requestJson } from "../matrix/http.ts";

/** Checks that the target answers and that its admin credentials work, with one-line errors. */
export async function preflight(target: Target): Promise<void> {
  if (target.caFile) trustCa(target.caFile);
  const d = deployment(target);
  try {
    await requestJson(target.baseUrl, "GET", "_matrix/client/versions", { timeoutMs: 15_000 });
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /CERT|certificate|self[-_ ]signed|VERIFY|ISSUER|SIGNATURE/i.test(msg) ? "set MXACCEPT_CA_FILE to the CA that signed its certificate" : "check MXACCEPT_BASE_URL and that the instance is up";
    throw new UserError(`target ${target.baseUrl} is not reachable (${msg.replace(/^GET \S+ failed: /, "")}): ${hint}.`);
  }
  if (target.adminToken) {
    let userId: string;
    try {
      userId = (await requestJson<{ user_id: string }>(target.baseUrl, "GET", "_matrix/client/v3/account/whoami", { token: target.adminToken })).body.user_id;
    } catch (e) {
      if (e instanceof MatrixError && (e.status === 401 || e.status === 403)) {
        throw new UserError(`MXACCEPT_ADMIN_TOKEN is refused by ${target.baseUrl} (${e.status} ${e.errcode ?? ""}): put a valid admin access token in the target file.`);
      }
      throw new UserError(`${target.baseUrl} does not say whose MXACCEPT_ADMIN_TOKEN it is (${(e as Error).message}): check the target's client API.`);
    }
    let admin: boolean;
    try {
      admin = (await d.admin().request<{ admin: boolean }>("GET", `_synapse/admin/v1/users/${encodeURIComponent(userId)}/admin`)).body.admin;
    } catch (e) {
      // Synapse answers 403 M_FORBIDDEN to a valid token of a user who is no server admin.
      if (e instanceof MatrixError && e.status === 403 && e.errcode === "M_FORBIDDEN") admin = false;
      else throw new UserError(`the admin API of ${d.adminUrl} does not answer (${(e as Error).message}): check that /_synapse/admin is reachable from here (MXACCEPT_ADMIN_BASE_URL).`);
    }
    if (!admin) throw new UserError(`MXACCEPT_ADMIN_TOKEN belongs to ${userId}, who is not a server admin: use an admin's token.`);
  }
  if (target.registrationSharedSecret) {
    let check: Awaited<ReturnType<typeof d.secretAccepted>>;
    try {
      check = await d.secretAccepted();
    } catch (e) {
      throw new UserError(`the shared-secret registration of ${d.adminUrl} does not answer (${(e as Error).message}): check registration_shared_secret on the instance, or leave MXACCEPT_REGISTRATION_SHARED_SECRET empty and use MXACCEPT_ADMIN_TOKEN.`);
    }
    if (!check.accepted) {
      throw new UserError(`MXACCEPT_REGISTRATION_SHARED_SECRET is refused by ${d.adminUrl} (${check.status} ${check.errcode ?? ""}): put the instance's registration_shared_secret in the target file.`);
    }
  }
}
