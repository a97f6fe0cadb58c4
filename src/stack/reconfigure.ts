import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { UserError } from "../config/errors.ts";
import { trustCa } from "../config/trust.ts";
import type { Yamlish } from "./overlay.ts";
import { readState, writeState, isOurProcess } from "./state.ts";
import { startSynapseGroup, stopSynapseGroup } from "./native.ts";

/**
 * The tenant admin's switch on the embedded instance: cross-tenant communication between hs1 and hs2 (two tenants
 * of one instance) on or off. Synapse reads `federation_domain_whitelist` only at start, so hs1 and hs2 get the new
 * allowlist written into their homeserver.yaml and are restarted; this returns when both answer again. hs3 (the
 * outsider) stays refused either way. The target file's MXACCEPT_CROSS_TENANT is updated to the new state.
 */
export async function setCrossTenant(stateDir: string, mode: "off" | "on"): Promise<{ restartMs: number }> {
  const state = readState(stateDir);
  if (!state) throw new UserError(`no reference instance in ${stateDir}: start one with 'mxaccept stack up'.`);
  trustCa(state.caCert);
  const pair = state.servers.filter((s) => s.role === "hs1" || s.role === "hs2");
  const t0 = performance.now();
  for (const s of pair) {
    if (!isOurProcess(s.pid, s.config)) throw new UserError(`${s.role} of the reference instance is not running: restart it with 'mxaccept stack up'.`);
    const config = parse(readFileSync(s.config, "utf8")) as Yamlish;
    config.federation_domain_whitelist = mode === "on" ? pair.map((p) => p.serverName) : [s.serverName];
    writeFileSync(s.config, stringify(config), { mode: 0o600 });
  }
  // Workers read the same homeserver.yaml (inbound federation checks the allowlist there): restart them with it.
  await Promise.all(pair.map((s) => stopSynapseGroup(s)));
  state.crossTenant = mode;
  await Promise.all(pair.map((s) => startSynapseGroup(s, () => writeState(stateDir, state))));
  writeState(stateDir, state);
  const text = readFileSync(state.targetFile, "utf8").replace(/^MXACCEPT_CROSS_TENANT=.*$/m, `MXACCEPT_CROSS_TENANT=${mode}`);
  writeFileSync(state.targetFile, text, { mode: 0o600 });
  return { restartMs: Math.round(performance.now() - t0) };
}
