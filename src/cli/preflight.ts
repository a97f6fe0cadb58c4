import { UserError } from "../config/errors.ts";
import { adminUrl, type Target } from "../config/target.ts";
import { trustCa } from "../config/trust.ts";
import { AdminClient } from "../matrix/admin.ts";
import { MatrixError, requestJson } from "../matrix/http.ts";

/** Checks that the target answers and that its admin credentials work, with one-line errors. */
export async function preflight(target: Target): Promise<void> {
  if (target.caFile) trustCa(target.caFile);
  try {
    await requestJson(target.baseUrl, "GET", "_matrix/client/versions", { timeoutMs: 15_000 });
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /CERT|certificate|self[- ]signed/i.test(msg) ? "set MXACCEPT_CA_FILE to the CA that signed its certificate" : "check MXACCEPT_BASE_URL and that the instance is up";
    throw new UserError(`target ${target.baseUrl} is not reachable (${msg.replace(/^GET \S+ failed: /, "")}): ${hint}.`);
  }
  if (target.adminToken) {
    try {
      const me = await new AdminClient(adminUrl(target), target.adminToken).whoami();
      if (!me.admin) throw new UserError(`MXACCEPT_ADMIN_TOKEN belongs to ${me.userId}, who is not a server admin: use an admin's token.`);
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (e instanceof MatrixError && (e.status === 401 || e.status === 403)) {
        throw new UserError(`MXACCEPT_ADMIN_TOKEN is refused by ${target.baseUrl} (${e.status} ${e.errcode ?? ""}): put a valid admin access token in the target file.`);
      }
      throw new UserError(`the admin API of ${target.baseUrl} does not answer (${(e as Error).message}): check that /_synapse/admin is reachable from here.`);
    }
  }
}
