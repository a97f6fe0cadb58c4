import { resolve } from "node:path";
import { projectRoot } from "../config/paths.ts";
import { writeCompose } from "../stack/compose.ts";
import { stateDir } from "../config/paths.ts";
import { UserError } from "../config/errors.ts";
import { stackUp, stackDown, stackStatus, type StackOptions } from "../stack/native.ts";
import { parse, STACK_OPTIONS, list, scale } from "./args.ts";
import { parseTopology } from "../stack/topology/production.ts";

const USAGE = "mxaccept stack up|down|status|compose [--profile ID] [--overlay F] [--overlay-hs2 F] [--overlay-hs3 F] [--with parts] [--time-scale N] [--size-scale N] [--group-limit N] [--topology simple|production] [--overlay-nginx F] [--overlay-mas F] [--server synapse|dendrite] [--state-dir D]";

function groupLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UserError(`--group-limit ${value}: must be a whole number >= 1 (members per group chat).`);
  return Number(value);
}

function serverKind(value: string | undefined): "synapse" | "dendrite" | undefined {
  if (value === undefined) return undefined;
  if (value !== "synapse" && value !== "dendrite") throw new UserError(`--server ${value}: choose synapse or dendrite (the implementation of hs1).`);
  return value;
}

export function stackOptions(values: Record<string, string | boolean | undefined>, profileFallback = "managed-bundesmessenger"): StackOptions {
  const v = values as Record<string, string | undefined>;
  return {
    stateDir: v["state-dir"] ? resolve(v["state-dir"]) : stateDir(),
    profile: v.profile ?? profileFallback,
    overlays: { ...(v.overlay ? { hs1: v.overlay } : {}), ...(v["overlay-hs2"] ? { hs2: v["overlay-hs2"] } : {}), ...(v["overlay-hs3"] ? { hs3: v["overlay-hs3"] } : {}) },
    ...(v["overlay-mas"] ? { partOverlays: { mas: v["overlay-mas"] } } : {}),
    with: list(v.with),
    timeScale: scale("time-scale", v["time-scale"]),
    sizeScale: scale("size-scale", v["size-scale"]),
    groupSizeLimit: groupLimit(v["group-limit"]),
    server: serverKind(v.server),
    topology: parseTopology(v.topology),
    ...(v["overlay-nginx"] ? { nginxOverlay: v["overlay-nginx"] } : {}),
  };
}

export async function stackCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, STACK_OPTIONS, USAGE);
  const sub = positionals[0];
  const opts = stackOptions(values);
  if (sub === "up") {
    const t0 = performance.now();
    const state = await stackUp({ ...opts, log: (l) => console.error(l) });
    console.log(`reference instance up in ${((performance.now() - t0) / 1000).toFixed(1)} s (profile ${state.profile}, topology ${state.topology ?? "simple"}, time scale ${state.timeScale}, size scale ${state.sizeScale})`);
    for (const s of state.servers) {
      console.log(`  ${s.role}  ${s.serverName}  ${s.baseUrl}${s.adminUrl ? `  admin ${s.adminUrl}` : ""}  pid ${s.pid}  logs ${s.dir}`);
      for (const w of s.workers ?? []) console.log(`  ${s.role} worker ${w.name}  http://127.0.0.1:${w.port}  pid ${w.pid}`);
    }
    for (const p of state.parts ?? []) console.log(`  ${p.part}  ${p.name}  pid ${p.pid}${p.log ? `  log ${p.log}` : ""}`);
    console.log(`target file: ${state.targetFile}  (mxaccept run --target ${state.targetFile})`);
    return 0;
  }
  if (sub === "down") {
    const t0 = performance.now();
    const stopped = await stackDown(opts.stateDir);
    console.log(stopped.length ? `stopped ${stopped.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s` : "no reference instance was running");
    return 0;
  }
  if (sub === "compose") {
    // docker-compose.yml at the project root and its config in stack/compose/, from the native launcher's generator.
    const files = writeCompose(projectRoot(), opts.profile, { topology: opts.topology });
    console.log(`wrote ${files.composeFile} and ${files.configDir}/ (profile ${opts.profile}, topology ${opts.topology ?? "simple"})`);
    const up = opts.topology === "production" ? "docker compose --profile production --profile postgres up -d" : "docker compose up -d";
    console.log(`start it with '${up}', then 'mxaccept run --target ${files.targetFile}'`);
    return 0;
  }
  if (sub === "status") {
    const { state, servers, parts } = await stackStatus(opts.stateDir);
    if (!state) {
      console.log(`no reference instance in ${opts.stateDir}`);
      return 1;
    }
    console.log(`profile ${state.profile}, topology ${state.topology ?? "simple"}, started ${state.startedAt}, time scale ${state.timeScale}`);
    const health = (alive: boolean, healthy: boolean) => (alive ? (healthy ? "healthy" : "running, not answering") : "not running");
    for (const s of servers) {
      console.log(`  ${s.role}  ${s.baseUrl}${s.adminUrl ? `  admin ${s.adminUrl}` : ""}  pid ${s.pid}  ${health(s.alive, s.healthy)}`);
      for (const w of s.workers) console.log(`  ${s.role} worker ${w.name}  http://127.0.0.1:${w.port}  pid ${w.pid}  ${health(w.alive, w.healthy)}`);
    }
    for (const p of parts) console.log(`  ${p.part}  ${p.name}  pid ${p.pid}  ${p.alive ? "running" : "not running"}`);
    return servers.every((s) => s.healthy && s.workers.every((w) => w.healthy)) && parts.every((p) => p.alive) ? 0 : 1;
  }
  throw new UserError(`unknown stack command "${sub ?? ""}"; usage: ${USAGE}`);
}
