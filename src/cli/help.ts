import { SUITES } from "../config/suites.ts";
/**
 * Help for every command (`mxaccept <command> --help`) and the top-level help (`mxaccept help`), built from the
 * option tables each command already hands to parseArgs (src/cli/args.ts `parse`) plus the explanations here, so
 * an option a command accepts is always listed. test/cli-help.test.ts fails for an option without an explanation:
 * add it to OPTIONS (or to COMMAND_OPTIONS when its meaning differs per command).
 */

export interface OptionHelp {
  /** The value's placeholder (none for a boolean flag). */
  arg?: string;
  text: string;
}

/** Options with one meaning wherever they appear. */
export const OPTIONS: Record<string, OptionHelp> = {
  target: { arg: "F.env", text: "target file of the instance under test (keys and their meaning: .env.example); without it the embedded reference instance is used" },
  profile: { arg: "ID", text: "contract profile: managed-bundesmessenger (default) or vodafone-secure-messenger (profiles/*.yaml)" },
  overlay: { arg: "F.yaml", text: "deep-merged into hs1's homeserver.yaml (mappings merge, lists and scalars replace, null removes): try a configuration, or break one requirement" },
  "overlay-hs2": { arg: "F.yaml", text: "the same for hs2 (the federation partner)" },
  "overlay-hs3": { arg: "F.yaml", text: "the same for hs3 (the outsider)" },
  with: { arg: "a,b", text: "optional parts of the reference instance: scanner (content scanner + ClamAV), keycloak (IdP), postgres (database), each installed on first use; mas (hs1's login delegated to the Matrix Authentication Service: your own build named by MXACCEPT_MAS_BIN and MXACCEPT_MAS_SHARE, with --topology production)" },
  "time-scale": { arg: "N", text: "divides the contract's retention times by N so expiry is observable live (1 = as contracted)" },
  "size-scale": { arg: "N", text: "divides per-user storage quotas by N (1 = as contracted)" },
  "group-limit": { arg: "N", text: "replaces the contract's group chat member limit on the reference instance (the VSM profile's 1,250)" },
  "overlay-mas": { arg: "F.yaml", text: "with --with mas: deep-merged into MAS's generated config (e.g. account.login_with_email_allowed: false, passwords.enabled: false)" },
  "overlay-nginx": { arg: "F", text: "with --topology production: nginx configuration merged into the generated one (upstreams hs1_main, hs1_client, hs1_federation, …): break the ingress on purpose" },
  "state-dir": { arg: "D", text: "state folder of the reference instance (default .mxaccept/, or MXACCEPT_STATE_DIR)" },
  server: { arg: "synapse|dendrite", text: "the implementation of hs1: synapse (default) or dendrite (Dendrite 0.13.8, built on first use; hs2 and hs3 stay Synapse; no --with parts)" },
  topology: { arg: "simple|production", text: "shape of hs1: simple (one Synapse process, default) or production (workers, Redis, PostgreSQL behind nginx with TLS)" },
  suite: { arg: "a,b", text: `run only these suites: ${SUITES.join(", ")} (default: all)` },
  grep: { arg: "RE", text: "run only checks whose title matches the regular expression (e.g. 'BUM-2.1')" },
  "keep-data": { text: "keep the users, rooms and media the run created (remove them later with 'mxaccept cleanup --run ID')" },
  workers: { arg: "N", text: "parallel Playwright workers (default 2); checks that disturb others (@exclusive) always run one at a time after the rest" },
  strict: { text: "also exit non-zero when a requirement is incomplete or skipped (for handover; default: only when one failed)" },
  run: { arg: "ID", text: "a run id (the folder name under reports/, e.g. 20261122-130501-a1b2)" },
  stale: { text: "remove the leftovers of every mxaccept run older than --older-than (crashed runs)" },
  "older-than": { arg: "D", text: "with --stale: only runs whose users were idle this long (default 2h)" },
  users: { arg: "N", text: "number of registered users" },
  "storage-gb": { arg: "G", text: "storage in use, in GB (2^30 bytes)" },
  pdf: { text: "also print the record to PDF, failing when Chromium cannot be installed (default: PDF when Chromium is there or can be installed)" },
  "no-pdf": { text: "write the HTML record only" },
  allure: { text: "also render the Allure report (needs Java 17, installed on first use)" },
  "allure-history": { arg: "DIR", text: "with --allure: keep Allure's history (trends) in DIR between runs" },
  interval: { arg: "D", text: "time between probes (default 60s)" },
  duration: { arg: "D", text: "how long to run (probe: default 1h; load: per level, default 10s)" },
  count: { arg: "N", text: "probe: stop after N probes (no slot skipped when one overruns; --duration still bounds the run)" },
  deadline: { arg: "D", text: "a probe slower than this counts as failed (default 30s)" },
  out: { arg: "F", text: "probe log to append to (JSON lines; default reports/availability/probes.jsonl)" },
  "metrics-port": { arg: "N", text: "serve Prometheus metrics of the probes on this port (0 = a free one)" },
  probes: { arg: "F", text: "the canary's probe log (from 'mxaccept probe --out F')" },
  maintenance: { arg: "F", text: "announced maintenance windows (YAML) that do not count against availability" },
  month: { arg: "YYYY-MM", text: "the month to account (default: the current one)" },
  from: { arg: "ISO", text: "start of a window to account instead of a month (with offset, e.g. 2026-03-01T00:00:00+01:00)" },
  to: { arg: "ISO", text: "end of that window" },
  "target-availability": { arg: "X", text: "the availability to meet, e.g. 0.999 or 99.9% (default: the profile's)" },
  bucket: { arg: "D", text: "time resolution of the accounting (default 1m)" },
  "rules-out": { arg: "F", text: "also write Prometheus burn-rate alert rules for the target to F" },
  json: { text: "print the result as JSON" },
  scenario: { arg: "send|sync|login|media", text: "what the load does (send: messages in a room; sync; login; media upload)" },
  rate: { arg: "N", text: "requests (send: messages) per second (default: the profile's agreed rate for send, else 10)" },
  rates: { arg: "N,N,…", text: "several rates in turn, stopping above the knee (a knee search)" },
  warmup: { arg: "D", text: "load before measuring starts (default: a fifth of --duration, 1–5 s)" },
  engine: { arg: "autocannon|k6", text: "load generator: autocannon in-process (default) or k6 (built on first use)" },
  connections: { arg: "N", text: "concurrent connections of the generator (default: enough for the rate)" },
  "across-federation": { text: "receivers on the federation partner, so delivery crosses federation" },
  verdict: { text: "judge chat at the profile's agreed load against its targets (exit 1 when missed)" },
  "send-p99-ms": { arg: "N", text: "p99 send latency target in ms (default: the profile's)" },
  "delivery-p99-ms": { arg: "N", text: "p99 delivery latency target in ms (default: the profile's)" },
  "max-error-rate": { arg: "X", text: "largest share of failed requests, e.g. 0.001 (default: the profile's)" },
  "allow-remote": { text: "allow load on a target that is not on loopback (only an instance that is yours to load)" },
  "k6-data": { arg: "F", text: "write the scenario data (holds the load users' tokens: keep it private) for k6 run elsewhere" },
};

/** Where an option means something else for one command. */
export const COMMAND_OPTIONS: Record<string, Record<string, OptionHelp>> = {
  bill: { target: { arg: "F.env", text: "count the users and measure the media of this instance (needs MXACCEPT_ADMIN_TOKEN) instead of --users/--storage-gb" }, profile: { arg: "ID", text: "the profile whose price table applies (default managed-bundesmessenger)" } },
  report: { run: { arg: "ID", text: "the run to render (default: the newest under reports/ or MXACCEPT_REPORTS_DIR)" } },
  cleanup: { run: { arg: "ID", text: "remove everything this run created (its ledger, else its tags)" } },
  load: { users: { arg: "N", text: "load users to provision (default 10)" }, with: { arg: "postgres", text: "parts of the reference instance started for the load run (e.g. postgres)" } },
  sla: { profile: { arg: "ID", text: "take the availability target from this profile (default managed-bundesmessenger)" } },
};

export interface CommandHelp {
  synopsis: string;
  summary: string;
  /** Lines after the options. */
  notes?: string[];
}

export const COMMANDS: Record<string, CommandHelp> = {
  stack: {
    synopsis: "mxaccept stack up|down|status|compose [--profile ID] [--with a,b] [--topology simple|production] [--overlay F] [--overlay-hs2 F] [--overlay-nginx F] [--overlay-mas F] [--overlay-hs3 F] [--time-scale N] [--size-scale N] [--group-limit N] [--state-dir D]",
    summary: "Starts, stops or shows the embedded reference instance (three Synapse homeservers on loopback), or writes docker-compose.yml for it.",
    notes: ["up writes a target file (.mxaccept/target.env) that 'mxaccept run --target' accepts. Parts it needs are installed on first use."],
  },
  run: {
    synopsis: "mxaccept run [--target F.env] [--profile ID] [--suite a,b] [--grep RE] [--keep-data] [--workers N] [--strict] [stack options]",
    summary: "Runs the suites against a target, writes reports/<run-id>/ (results.json, junit.xml, the acceptance record) and exits 1 when a requirement failed.",
    notes: ["Without --target it uses the running reference instance, or starts one for the run (stack options apply) and stops it afterwards.", "Needs only Node and the npm packages against a target; Chromium (browser suites, PDF) is installed on first use."],
  },
  cleanup: { synopsis: "mxaccept cleanup [--target F.env] (--run ID | --stale [--older-than 2h])", summary: "Removes the users, rooms and media of a run, or of every stale run, from the target." },
  bill: { synopsis: "mxaccept bill [--profile ID] (--users N --storage-gb G | --target F.env)", summary: "Prices a month by the profile's price table, from given figures or measured on a target." },
  report: { synopsis: "mxaccept report [--run ID] [--pdf | --no-pdf] [--allure [--allure-history DIR]]", summary: "Re-renders a run's acceptance record (HTML, PDF) and, with --allure, the Allure report." },
  probe: { synopsis: "mxaccept probe [--target F.env] [--interval 60s] [--duration 1h] [--count N] [--deadline 30s] [--out F] [--metrics-port N]", summary: "The availability canary: logs in, sends and receives a message every interval, and appends each probe to a log." },
  sla: { synopsis: "mxaccept sla --probes F [--maintenance F] [--month YYYY-MM | --from ISO --to ISO] [--target-availability 0.999 | --profile ID] [--bucket 1m] [--rules-out F] [--json]", summary: "Accounts availability from the canary's log and exits 1 when the target was missed." },
  load: {
    synopsis: "mxaccept load [--target F.env] [--profile ID] --scenario send|sync|login|media [--rate N | --rates N,N,…] [--duration D] [--warmup D] [--engine autocannon|k6] [--users N] [--connections N] [--across-federation] [--verdict] [--send-p99-ms N] [--delivery-p99-ms N] [--max-error-rate X] [--keep-data] [--k6-data F] [--allow-remote] [--with postgres] [--state-dir D]",
    summary: "Puts load on a target at fixed rates and reports latency percentiles; --verdict judges the agreed load.",
  },
};

/** The usage of one command: synopsis, summary, every option it accepts with its explanation. */
export function commandHelp(command: string, options: Record<string, unknown>): string {
  const c = COMMANDS[command];
  const rows = Object.keys(options).sort().map((name) => {
    const h = COMMAND_OPTIONS[command]?.[name] ?? OPTIONS[name] ?? { text: "(not described yet)" };
    return [`--${name}${h.arg ? ` ${h.arg}` : ""}`, h.text] as const;
  });
  rows.push(["--help, -h", "print this help and exit"]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `usage: ${c?.synopsis ?? `mxaccept ${command} [options]`}`,
    "",
    c?.summary ?? "",
    "",
    "options:",
    ...rows.map(([l, t]) => `  ${l.padEnd(width)}  ${t}`),
    ...(c?.notes?.length ? ["", ...c.notes] : []),
  ].join("\n");
}

/** The top-level help: every command's synopsis and every option any command takes. */
export function topHelp(): string {
  const names = Object.keys(OPTIONS).sort();
  const width = Math.max(...names.map((n) => `--${n}${OPTIONS[n]!.arg ? ` ${OPTIONS[n]!.arg}` : ""}`.length));
  return [
    "mxaccept: conformance and load test harness for Matrix messenger instances",
    "",
    ...Object.values(COMMANDS).map((c) => `  ${c.synopsis}`),
    "",
    "Run 'mxaccept <command> --help' for one command's options. Every option:",
    ...names.map((n) => `  ${`--${n}${OPTIONS[n]!.arg ? ` ${OPTIONS[n]!.arg}` : ""}`.padEnd(width)}  ${OPTIONS[n]!.text}`),
    "",
    "Without --target, run uses the running reference instance, or starts one for the run and stops it afterwards.",
    "Profiles: managed-bundesmessenger (default), vodafone-secure-messenger. Set-up: 'npm run setup -- --list'. See README.md.",
  ].join("\n");
}
