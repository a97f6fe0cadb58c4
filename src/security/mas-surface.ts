import type { HomeserverTarget } from "../config/target.ts";
import { requestJson } from "../matrix/http.ts";
import { MasAdmin } from "../matrix/mas-admin.ts";

/**
 * The Matrix Authentication Service's admin API as one more admin surface (SEC-admin-surface where login is
 * delegated): its admin client reaches it at the admin URL (control); an ordinary user's Matrix token is refused
 * there; and where the target separates MAS's admin URL from its public URL, the public URL does not serve it,
 * not even to the admin client's token.
 */
export interface MasSurface {
  problems: string[];
  /** The admin API answers on MAS's public URL because the target names no separate MXACCEPT_MAS_ADMIN_URL. */
  notSeparated: boolean;
  evidence: Record<string, unknown>;
}

const refused = (status: number) => status === 401 || status === 403 || status === 404 || status === 405;

export async function masAdminSurface(mas: NonNullable<HomeserverTarget["mas"]>, userToken: string): Promise<MasSurface> {
  const admin = MasAdmin.fromTarget(mas);
  const problems: string[] = [];
  const control = await admin.request("GET", "users", { query: { "page[first]": 1 }, accept: [200] });
  const asUser = await requestJson<{ errors?: unknown }>(mas.adminUrl, "GET", "api/admin/v1/users", { token: userToken, query: { "page[first]": 1 }, accept: [400, 401, 403, 404, 405] });
  if (!refused(asUser.status)) problems.push(`MAS's admin API at ${mas.adminUrl} answered ${asUser.status} to a normal user's token`);
  const separated = new URL(mas.adminUrl).origin !== new URL(mas.url).origin;
  let publicUrl: { status: number } | undefined;
  if (separated) {
    // public-surface probe: MAS's admin API asked at MAS's public URL on purpose, with the admin client's token.
    const res = await requestJson(mas.url, "GET", "api/admin/v1/users", { token: await admin.token(), query: { "page[first]": 1 }, accept: [400, 401, 403, 404, 405] });
    publicUrl = { status: res.status };
    if (!refused(res.status)) problems.push(`MAS's public URL ${mas.url} serves its admin API (${res.status} to the admin client's token)`);
  }
  return {
    problems,
    notSeparated: !separated,
    evidence: { adminUrl: mas.adminUrl, publicUrl: mas.url, control: control.status, userToken: { status: asUser.status }, publicProbe: publicUrl ?? "not separated: the target names no MXACCEPT_MAS_ADMIN_URL" },
  };
}
