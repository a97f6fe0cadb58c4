import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import type { HomeserverTarget, Target } from "../config/target.ts";
import { deployment } from "../matrix/deployment.ts";
import { trustCa } from "../config/trust.ts";
import { MatrixError, requestJson } from "../matrix/http.ts";
import { Ledger } from "../matrix/ledger.ts";
import { UserFactory } from "../matrix/users.ts";
import { createRunAdmin, RUN_ADMIN_ENV, type HsRole } from "../matrix/run-admin.ts";
import { capabilityLines, delegatedLoginNote, detectRun, detectServer, writeCapabilities, type RunCapabilities } from "../matrix/capabilities.ts";

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
      // No Synapse admin API there (another server, or not routed): a capability the run records, not an error.
      else if (e instanceof MatrixError && (e.status === 404 || e.status === 405 || e.errcode === "M_UNRECOGNIZED")) return;
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

/**
 * After pre-flight: the run's one admin per homeserver where the target file has only the shared secret
 * (src/matrix/run-admin.ts), then the capabilities of every homeserver, written to the report folder as
 * capabilities.json. Returns the run header lines, the environment that hands the run admins to the workers, and
 * the secrets to scrub from the report.
 */
export async function detectCapabilities(target: Target, runId: string, reportDir: string): Promise<{ lines: string[]; env: Record<string, string>; secrets: string[]; caps: RunCapabilities }> {
  const ledger = new Ledger(join(reportDir, "ledger.jsonl"));
  const roles = { target, partner: target.partner, outsider: target.outsider };
  const tokens: Partial<Record<HsRole, string>> = {};
  const lines: string[] = [];
  for (const [role, hs] of Object.entries(roles) as [HsRole, HomeserverTarget | undefined][]) {
    if (!hs) continue;
    try {
      tokens[role] = await createRunAdmin(hs, runId, ledger);
    } catch (e) {
      lines.push(`${hs.serverName}: no run admin could be made with the shared secret (${(e as Error).message}); checks needing one are skipped`);
    }
  }
  // The encryption probe: one run-tagged user on hs1 creates a private room and a direct chat without asking for encryption.
  const factory = new UserFactory(target, deployment(target).admin(tokens.target ?? ""), runId, ledger);
  const caps = await detectRun(target, {
    admin: tokens,
    probeUser: async () => {
      const early = await detectServer(target, { adminToken: tokens.target });
      const f = new UserFactory(target, factory.admin, runId, ledger, early);
      const why = f.cannotCreate();
      if (why) throw new Error(why);
      const u = await f.create("probe", { test: "pre-flight: encryption by server default" });
      return { accessToken: u.accessToken, localpart: u.localpart };
    },
    record: (roomId) => ledger.record({ kind: "room", id: roomId, server: target.serverName, test: "pre-flight: encryption by server default" }),
  });
  writeCapabilities(reportDir, caps);
  for (const c of [caps.target, caps.partner, caps.outsider]) {
    if (!c) continue;
    lines.push(...capabilityLines(c));
    const note = delegatedLoginNote(c);
    if (note) lines.push(note);
  }
  const secrets = Object.values(tokens).filter((t): t is string => !!t);
  const runAdmins = Object.fromEntries(Object.entries(tokens).filter(([r, t]) => t && t !== roles[r as HsRole]?.adminToken));
  return { lines, env: Object.keys(runAdmins).length ? { [RUN_ADMIN_ENV]: JSON.stringify(runAdmins) } : {}, secrets, caps };
}
