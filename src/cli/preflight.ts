import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import type { Target } from "../config/target.ts";
import { Deployment, type Role } from "../matrix/deployment.ts";
import { trustCa } from "../config/trust.ts";
import { requestJson } from "../matrix/http.ts";
import { Ledger } from "../matrix/ledger.ts";
import { UserFactory } from "../matrix/users.ts";
import { ensureRunAdmin, RUN_ADMIN_ENV } from "../matrix/run-admin.ts";
import { adminProbe, capabilityLines, delegatedLoginNote, detectRun, detectServer, writeCapabilities, type RunCapabilities } from "../matrix/capabilities.ts";

/**
 * Checks that the target answers and that its admin credentials work, with one-line errors; returns the command's
 * deployment (the one door to the servers, carried from here on).
 */
export async function preflight(target: Target): Promise<Deployment> {
  if (target.caFile) trustCa(target.caFile);
  const d = Deployment.of(target);
  const s = d.instance;
  try {
    await requestJson(s.clientUrl, "GET", "_matrix/client/versions", { timeoutMs: 15_000 });
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /CERT|certificate|self[-_ ]signed|VERIFY|ISSUER|SIGNATURE/i.test(msg) ? "set MXACCEPT_CA_FILE to the CA that signed its certificate" : "check MXACCEPT_BASE_URL and that the instance is up";
    throw new UserError(`target ${s.clientUrl} is not reachable (${msg.replace(/^GET \S+ failed: /, "")}): ${hint}.`);
  }
  if (s.adminTokenFromTarget) {
    const who = await requestJson<{ user_id?: string; errcode?: string }>(s.clientUrl, "GET", "_matrix/client/v3/account/whoami", { token: s.adminToken, accept: [401, 403] });
    if (who.status !== 200) throw new UserError(`MXACCEPT_ADMIN_TOKEN is refused by ${s.clientUrl} (${who.status} ${who.body.errcode ?? ""}): put a valid admin access token in the target file.`);
    const probe = await adminProbe(s, s.adminToken);
    // No Synapse admin API there (another server, or not routed): a capability the run records, not an error.
    if (probe.api.present === undefined) throw new UserError(`the admin API of ${s.adminUrl} does not answer (${probe.api.detail}): check that /_synapse/admin is reachable from here (MXACCEPT_ADMIN_BASE_URL).`);
    if (probe.admin === false) throw new UserError(`MXACCEPT_ADMIN_TOKEN belongs to ${who.body.user_id}, who is not a server admin: use an admin's token.`);
  }
  if (s.registrationSharedSecret) {
    let check: Awaited<ReturnType<typeof s.secretAccepted>>;
    try {
      check = await s.secretAccepted();
    } catch (e) {
      throw new UserError(`the shared-secret registration of ${s.adminUrl} does not answer (${(e as Error).message}): check registration_shared_secret on the instance, or leave MXACCEPT_REGISTRATION_SHARED_SECRET empty and use MXACCEPT_ADMIN_TOKEN.`);
    }
    if (!check.accepted) {
      throw new UserError(`MXACCEPT_REGISTRATION_SHARED_SECRET is refused by ${s.adminUrl} (${check.status} ${check.errcode ?? ""}): put the instance's registration_shared_secret in the target file.`);
    }
  }
  return d;
}

/**
 * After pre-flight: the run's one admin per server where the target file names none (src/matrix/run-admin.ts),
 * then the capabilities of every server, written to the report folder as capabilities.json. Returns the run's
 * deployment with both (what the workers rebuild from the environment and capabilities.json), the run header lines,
 * the environment that hands the run admins to the workers, and the secrets to scrub from the report.
 */
export async function detectCapabilities(d: Deployment, runId: string, reportDir: string): Promise<{ deployment: Deployment; lines: string[]; env: Record<string, string>; secrets: string[]; caps: RunCapabilities }> {
  const ledger = new Ledger(join(reportDir, "ledger.jsonl"));
  const tokens: Partial<Record<Role, string>> = {};
  const lines: string[] = [];
  for (const s of d.servers()) {
    try {
      tokens[s.role] = await ensureRunAdmin(s, runId, ledger);
    } catch (e) {
      lines.push(`${s.serverName}: no run admin could be made (${(e as Error).message}); checks needing one are skipped`);
    }
  }
  const withAdmins = d.with({ adminTokens: tokens });
  // The encryption probe: one run-tagged user on the instance creates a private room and a direct chat without asking for encryption.
  const caps = await detectRun(withAdmins, {
    probeUser: async () => {
      const early = await detectServer(withAdmins.instance, { adminToken: tokens.instance });
      const probing = withAdmins.with({ capabilities: { detectedAt: "", instance: early } });
      const f = new UserFactory(probing.instance, runId, ledger);
      const why = f.cannotCreate();
      if (why) throw new Error(why);
      const u = await f.create("probe", { test: "pre-flight: encryption by server default" });
      return { accessToken: u.accessToken, localpart: u.localpart };
    },
    record: (roomId) => ledger.record({ kind: "room", id: roomId, server: d.instance.serverName, test: "pre-flight: encryption by server default" }),
  });
  writeCapabilities(reportDir, caps);
  for (const s of withAdmins.servers()) {
    const c = caps[s.role];
    if (!c) continue;
    lines.push(...capabilityLines(c));
    const note = delegatedLoginNote(c, !!s.hs.mas?.clientId);
    if (note) lines.push(note);
    if (s.hs.mas) lines.push(`  test users on ${s.serverName}: ${withAdmins.with({ capabilities: caps }).server(s.role)!.users.label}`);
  }
  const secrets = Object.values(tokens).filter((t): t is string => !!t);
  const runAdmins = Object.fromEntries(Object.entries(tokens).filter(([r, t]) => t && !d.server(r as Role)?.adminTokenFromTarget));
  return { deployment: withAdmins.with({ capabilities: caps }), lines, env: Object.keys(runAdmins).length ? { [RUN_ADMIN_ENV]: JSON.stringify(runAdmins) } : {}, secrets, caps };
}
