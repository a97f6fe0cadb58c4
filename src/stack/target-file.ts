import type { Role } from "./generate.ts";
import type { ServerState, StackState } from "./state.ts";

/**
 * The target file of the embedded reference instance (`.mxaccept/target.env`): what `mxaccept run --target`
 * reads, so the reference and a staging instance go through the same path. Written by both launchers.
 */
export function targetFileText(state: StackState, tokens: Partial<Record<Role, string>>, secrets: Partial<Record<Role, string>>): string {
  const by = Object.fromEntries(state.servers.map((s) => [s.role, s])) as Record<Role, ServerState>;
  // The production topology names every server's admin URL, as a deployment with admin host names does: hs2 and
  // hs3 stay single processes whose admin API answers on their own URL.
  const production = state.topology === "production";
  const partnerAdmin = by.hs2.adminUrl ?? (production ? by.hs2.baseUrl : undefined);
  const outsiderAdmin = by.hs3.adminUrl ?? (production ? by.hs3.baseUrl : undefined);
  const lines = [
    "# Written by `mxaccept stack up`: the embedded reference instance. Holds secrets: do not share.",
    `MXACCEPT_BASE_URL=${by.hs1.baseUrl}`,
    `MXACCEPT_SERVER_NAME=${by.hs1.serverName}`,
    ...(by.hs1.adminUrl ? [`MXACCEPT_ADMIN_BASE_URL=${by.hs1.adminUrl}`] : []),
    // Absent where hs1's login is delegated (MAS): the target file names MAS's client instead (the part's keys).
    ...(tokens.hs1 ? [`MXACCEPT_ADMIN_TOKEN=${tokens.hs1}`] : []),
    ...(secrets.hs1 ? [`MXACCEPT_REGISTRATION_SHARED_SECRET=${secrets.hs1}`] : []),
    `MXACCEPT_PARTNER_BASE_URL=${by.hs2.baseUrl}`,
    `MXACCEPT_PARTNER_SERVER_NAME=${by.hs2.serverName}`,
    ...(partnerAdmin ? [`MXACCEPT_PARTNER_ADMIN_BASE_URL=${partnerAdmin}`] : []),
    `MXACCEPT_PARTNER_ADMIN_TOKEN=${tokens.hs2}`,
    `MXACCEPT_PARTNER_REGISTRATION_SHARED_SECRET=${secrets.hs2}`,
    `MXACCEPT_OUTSIDER_BASE_URL=${by.hs3.baseUrl}`,
    `MXACCEPT_OUTSIDER_SERVER_NAME=${by.hs3.serverName}`,
    ...(outsiderAdmin ? [`MXACCEPT_OUTSIDER_ADMIN_BASE_URL=${outsiderAdmin}`] : []),
    `MXACCEPT_OUTSIDER_ADMIN_TOKEN=${tokens.hs3}`,
    `MXACCEPT_OUTSIDER_REGISTRATION_SHARED_SECRET=${secrets.hs3}`,
    `MXACCEPT_CA_FILE=${state.caCert}`,
    `MXACCEPT_PROFILE=${state.profile}`,
    "MXACCEPT_DESTRUCTIVE=allow",
    "MXACCEPT_EMBEDDED=1",
    `MXACCEPT_TIME_SCALE=${state.timeScale}`,
    `MXACCEPT_SIZE_SCALE=${state.sizeScale}`,
    `MXACCEPT_CROSS_TENANT=${state.crossTenant ?? "on"}`,
    ...(state.groupSizeLimit ? [`MXACCEPT_GROUP_SIZE_LIMIT=${state.groupSizeLimit}`] : []),
    // hs1's own generated homeserver.yaml (overlays included): the retention suite's config proof reads it.
    `MXACCEPT_HOMESERVER_CONFIG=${by.hs1.config}`,
  ];
  return `${lines.join("\n")}\n`;
}
