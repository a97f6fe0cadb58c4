import { mkdirSync, writeFileSync } from "node:fs";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { parseDuration } from "../config/duration.ts";
import { reportsDir } from "../config/paths.ts";
import { loadProfile } from "../config/profile.ts";
import { loadTarget } from "../config/target.ts";
import { cleanupRun, formatCleanup } from "../matrix/cleanup.ts";
import { Ledger } from "../matrix/ledger.ts";
import { newRunId } from "../config/run-id.ts";
import { runningStack, stackUp, stackDown } from "../stack/native.ts";
import { k6Data, prepareScenario, SCENARIOS, type Scenario } from "../load/scenarios.ts";
import { runLevel, type Engine } from "../load/run-level.ts";
import { formatLevel, judge, knee, type LevelResult, type LoadTargets } from "../load/verdict.ts";
import { parse } from "./args.ts";
import { preflight } from "./preflight.ts";
import { stackOptions } from "./stack.ts";

const USAGE =
  "mxaccept load [--target F.env] [--profile ID] --scenario send|sync|login|media [--rate N | --rates N,N,…] [--duration D] [--warmup D] [--engine autocannon|k6] [--users N] [--connections N] [--across-federation] [--verdict] [--send-p99-ms N] [--delivery-p99-ms N] [--max-error-rate X] [--keep-data] [--k6-data F] [--allow-remote] [--with postgres]";

const loopbackAddress = (a: string) => a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || /^::ffff:127\./i.test(a);

type Lookup = (host: string) => Promise<string[]>;
const systemLookup: Lookup = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Load traffic goes to loopback only unless the user says the target is theirs to load (--allow-remote). A host
 * name counts as loopback when every address it resolves to is (e.g. a name the hosts file maps to 127.0.10.1);
 * a name that does not resolve is not.
 */
export async function isLoopback(baseUrl: string, resolve: Lookup = systemLookup): Promise<boolean> {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return loopbackAddress(host);
  const addresses = await resolve(host).catch(() => []);
  return addresses.length > 0 && addresses.every(loopbackAddress);
}

function positive(flag: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UserError(`--${flag} ${v}: must be a ${integer ? "whole " : ""}number > 0.`);
  return n;
}

export async function loadCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    target: { type: "string" },
    profile: { type: "string" },
    scenario: { type: "string" },
    rate: { type: "string" },
    rates: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    engine: { type: "string" },
    users: { type: "string" },
    connections: { type: "string" },
    "across-federation": { type: "boolean" },
    verdict: { type: "boolean" },
    "send-p99-ms": { type: "string" },
    "delivery-p99-ms": { type: "string" },
    "max-error-rate": { type: "string" },
    "keep-data": { type: "boolean" },
    "allow-remote": { type: "boolean" },
    "k6-data": { type: "string" },
    "state-dir": { type: "string" },
    with: { type: "string" },
  }, USAGE);
  const scenario = (values.scenario ?? (values.verdict ? "send" : undefined)) as Scenario | undefined;
  if (!scenario || !SCENARIOS.includes(scenario)) throw new UserError(`--scenario ${values.scenario ?? ""}: choose one of ${SCENARIOS.join(", ")}; usage: ${USAGE}`);
  if (values.verdict && scenario !== "send") throw new UserError("--verdict judges chat at the agreed load: use it with --scenario send.");
  const engine = (values.engine ?? "autocannon") as Engine;
  if (engine !== "autocannon" && engine !== "k6") throw new UserError(`--engine ${values.engine}: choose autocannon or k6.`);
  if (values.rate && values.rates) throw new UserError("give --rate N or --rates N,N,… (a knee search), not both.");
  const durationMs = parseDuration(values.duration ?? "10s", "--duration");
  const warmupMs = values.warmup === undefined ? Math.min(5000, Math.max(1000, durationMs / 5)) : parseDuration(values.warmup, "--warmup");
  const users = positive("users", values.users, true) ?? 10;
  const connections = positive("connections", values.connections, true);
  const maxErr = values["max-error-rate"] === undefined ? undefined : Number(values["max-error-rate"]);
  if (maxErr !== undefined && !(maxErr >= 0 && maxErr < 1)) throw new UserError(`--max-error-rate ${values["max-error-rate"]}: must be a share between 0 and 1, e.g. 0.001.`);

  let startedStack: string | undefined;
  let targetFile: string;
  if (values.target) {
    if (values.with) throw new UserError("--with configures the embedded instance and cannot be used with --target; drop one of them.");
    targetFile = resolve(values.target);
  }
  else {
    const opts = stackOptions(values, values.profile);
    const running = runningStack(opts.stateDir);
    if (running) {
      if (values.with) throw new UserError("a reference instance is already running, so --with would not apply: run 'mxaccept stack down' first or drop --with.");
      targetFile = running.targetFile;
    }
    else {
      console.error("starting the embedded reference instance for this load run …");
      startedStack = opts.stateDir;
      targetFile = (await stackUp({ ...opts, log: (l) => console.error(`  ${l}`) })).targetFile;
    }
  }
  try {
    const target = loadTarget(targetFile);
    const profile = loadProfile(values.profile ?? target.profile ?? "managed-bundesmessenger");
    if (!profile.load) throw new UserError(`profile ${profile.id} states no load targets (load:): add them to profiles/${profile.id}.yaml.`);
    const targets: LoadTargets = {
      sendP99Ms: positive("send-p99-ms", values["send-p99-ms"]) ?? profile.load.sendP99Ms,
      deliveryP99Ms: positive("delivery-p99-ms", values["delivery-p99-ms"]) ?? profile.load.deliveryP99Ms,
      maxErrorRate: maxErr ?? profile.load.maxErrorRate,
    };
    let rates = values.rates ? values.rates.split(",").map((r) => positive("rates", r.trim())!) : [positive("rate", values.rate) ?? (values.verdict || scenario === "send" ? profile.load.agreedMessagesPerSecond : 10)];
    rates = [...new Set(rates)].sort((a, b) => a - b);
    if (values.verdict && rates[0]! < profile.load.agreedMessagesPerSecond && !values.rates) {
      throw new UserError(`--verdict judges the agreed load of ${profile.load.agreedMessagesPerSecond} messages/s (profile ${profile.id}); --rate ${rates[0]} is below it: drop --rate.`);
    }
    if (values["across-federation"] && !target.partner?.adminToken) throw new UserError("--across-federation needs a federation partner with an admin token (MXACCEPT_PARTNER_BASE_URL, _SERVER_NAME, _ADMIN_TOKEN in the target file).");
    for (const hs of [target, ...(values["across-federation"] && target.partner ? [target.partner] : [])]) {
      if (!values["allow-remote"] && !(await isLoopback(hs.baseUrl))) {
        throw new UserError(`${hs.baseUrl} is not a loopback address: load is only sent to instances you may load; add --allow-remote for a staging instance that is yours to load.`);
      }
    }
    const d = await preflight(target);
    const sender = d.instance;
    const receiverHs = values["across-federation"] ? d.mustServer("partner") : sender;
    const runId = newRunId();
    const reportDir = join(reportsDir(), runId);
    mkdirSync(reportDir, { recursive: true });
    const ledgerFile = join(reportDir, "ledger.jsonl");
    const ledger = new Ledger(ledgerFile);
    console.error(`load run ${runId}: ${scenario} with ${engine} against ${target.baseUrl}${receiverHs !== sender ? `, delivered to ${receiverHs.clientUrl}` : ""}; report in ${reportDir}`);

    const levels: LevelResult[] = [];
    let cleanupMs = 0;
    let provisionMs = 0;
    try {
      const prepared = await prepareScenario(scenario, { hs: sender, receiverHs, runId, ledger, users });
      provisionMs = prepared.provisionMs;
      console.error(`provisioned and logged in ${users} users in ${(provisionMs / 1000).toFixed(1)} s`);
      if (values["k6-data"]) {
        // For k6 run elsewhere (k6-operator, load/k6/testrun.yaml): holds the load users' tokens, so private.
        writeFileSync(resolve(values["k6-data"]), JSON.stringify(k6Data(prepared)), { mode: 0o600 });
        console.error(`wrote the k6 scenario data (access tokens of the load users: keep it private) to ${values["k6-data"]}${values["keep-data"] ? "" : "; add --keep-data, or cleanup will invalidate the tokens"}`);
      }
      for (const rate of rates) {
        const level = await runLevel(prepared, { engine, baseUrl: target.baseUrl, rate, durationMs, warmupMs, connections, targets, deliveryDeadlineMs: profile.load.deliveryDeadlineMs, caFile: target.caFile });
        levels.push(level);
        const j = judge(level, targets);
        console.log(formatLevel(level));
        console.log(`  targets (send p99 ≤ ${targets.sendP99Ms} ms, delivery p99 ≤ ${targets.deliveryP99Ms} ms, errors ≤ ${(targets.maxErrorRate * 100).toFixed(2)} %): ${j.pass ? "kept" : `missed: ${j.reasons.join("; ")}`}`);
        if (!j.pass && rates.length > 1) break; // above the knee: higher levels add load without information
      }
    } finally {
      if (values["keep-data"]) console.error(`kept the run's data (--keep-data): remove it with 'mxaccept cleanup --run ${runId}'`);
      else {
        const t0 = performance.now();
        const results = await cleanupRun(d, runId, ledgerFile);
        cleanupMs = performance.now() - t0;
        for (const r of results) if (r.users || r.rooms || r.remaining.length || r.errors.length) for (const line of formatCleanup(r)) console.error(`cleanup ${line}`);
        console.error(`cleanup took ${(cleanupMs / 1000).toFixed(1)} s`);
      }
    }
    const k = knee(levels, targets);
    if (rates.length > 1) console.log(k ? `knee: ${k.request.rate}/s (highest rate keeping the targets; delivery p99 ${k.delivery?.latency.p99.toFixed(0) ?? "–"} ms, request p99 ${k.request.latency.p99.toFixed(0)} ms)` : `knee: below ${rates[0]}/s (even the lowest level missed the targets)`);
    const agreed = levels.find((l) => l.request.rate >= profile.load!.agreedMessagesPerSecond);
    const verdict = values.verdict ? (agreed ? judge(agreed, targets) : { pass: false, reasons: ["the agreed rate was not reached"] }) : undefined;
    writeFileSync(join(reportDir, "load.json"), `${JSON.stringify({ runId, scenario, engine, target: target.baseUrl, receiver: receiverHs.clientUrl, profile: profile.id, targets, agreedMessagesPerSecond: profile.load.agreedMessagesPerSecond, users, provisionMs, cleanupMs, levels, knee: k?.request.rate, verdict }, null, 1)}\n`);
    if (verdict) console.log(`verdict: ${verdict.pass ? "PASS" : "FAIL"}: chat at the agreed load of ${profile.load.agreedMessagesPerSecond} messages/s${verdict.pass ? " kept its targets" : `: ${verdict.reasons.join("; ")}`}`);
    console.log(`report: ${join(reportDir, "load.json")}`);
    if (verdict) return verdict.pass ? 0 : 1;
    return levels.every((l) => l.request.valid) ? 0 : 1;
  } finally {
    if (startedStack) await stackDown(startedStack);
  }
}
