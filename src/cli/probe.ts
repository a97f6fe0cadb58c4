import { join, resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { parseDuration } from "../config/duration.ts";
import { reportsDir, stateDir } from "../config/paths.ts";
import { loadTarget } from "../config/target.ts";
import { trustCa } from "../config/trust.ts";
import { runProber } from "../load/probe.ts";
import { stateFileFor } from "../load/probe-session.ts";
import { runningStack } from "../stack/native.ts";
import { parse } from "./args.ts";
import { preflight } from "./preflight.ts";

const USAGE = "mxaccept probe [--target F.env] [--interval 60s] [--duration 1h] [--count N] [--deadline 30s] [--out F] [--metrics-port N]";

function positive(flag: string, value: string | undefined, fallback: string): number {
  const ms = parseDuration(value ?? fallback, `--${flag}`);
  if (!(ms > 0)) throw new UserError(`--${flag} ${value}: must be longer than 0; usage: ${USAGE}`);
  return ms;
}

export async function probeCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    target: { type: "string" },
    interval: { type: "string" },
    duration: { type: "string" },
    count: { type: "string" },
    deadline: { type: "string" },
    out: { type: "string" },
    "metrics-port": { type: "string" },
  }, USAGE);
  const intervalMs = positive("interval", values.interval, "60s");
  const durationMs = positive("duration", values.duration, "1h");
  const deadlineMs = positive("deadline", values.deadline, "30s");
  let count: number | undefined;
  if (values.count !== undefined) {
    count = Number(values.count);
    if (!Number.isInteger(count) || count < 1) throw new UserError(`--count ${values.count}: must be a whole number of probes, 1 or more; usage: ${USAGE}`);
  }
  let metricsPort: number | undefined;
  if (values["metrics-port"] !== undefined) {
    metricsPort = Number(values["metrics-port"]);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) throw new UserError(`--metrics-port ${values["metrics-port"]}: must be a port number (0–65535).`);
  }
  let targetFile = values.target ? resolve(values.target) : undefined;
  if (!targetFile) {
    const running = runningStack(stateDir());
    if (!running) throw new UserError("no --target given and no reference instance is running: pass --target F.env or run 'mxaccept stack up'.");
    targetFile = running.targetFile;
  }
  const target = loadTarget(targetFile);
  if (target.caFile) trustCa(target.caFile);
  const d = await preflight(target);
  const out = resolve(values.out ?? join(reportsDir(), "availability", "probes.jsonl"));

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    console.error(`canary against ${target.baseUrl}: every ${intervalMs} ms for ${count !== undefined ? `${count} probes, at most ` : ""}${durationMs} ms (deadline ${deadlineMs} ms); log ${out}`);
    const s = await runProber({ deployment: d, out, intervalMs, durationMs, deadlineMs, count, metricsPort, signal: abort.signal, log: (l) => console.error(l) });
    console.log(`${s.probes} probes, ${s.failures} failed${abort.signal.aborted ? " (interrupted)" : ""}; log ${out}; state ${stateFileFor(out)} (run ${s.runId}; remove its users and room with 'mxaccept cleanup --run ${s.runId}')`);
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
