/* global __ENV, open */
// Matrix client-server load for k6 (plain k6, no extensions): runnable with any k6 >= 0.50 and with k6-operator.
//
// Open model: the `constant-arrival-rate` executor starts iterations on a fixed schedule whether or not earlier
// requests have answered, so a slow server cannot slow the generator down (no coordinated omission); when no VU
// is free, k6 drops the iteration and counts it in `dropped_iterations`: the run is then invalid (threshold).
// A warm-up scenario runs first and is excluded from the thresholds (tag phase=warmup).
//
// Environment (mxaccept load sets them; set them yourself to run the script on its own):
//   MXA_BASE_URL      client-server base URL, e.g. http://127.0.0.1:8008
//   MXA_DATA          JSON file written by `mxaccept load --engine k6 --keep-data` (tokens, room id, logins)
//   MXA_SCENARIO      send | sync | login | media
//   MXA_RATE          requests per second;  MXA_DURATION e.g. 30s;  MXA_WARMUP e.g. 5s
//   MXA_P99_MS        p99 latency threshold (ms);  MXA_MAX_ERROR_RATE e.g. 0.001 (from the profile)
//   MXA_MAX_VUS       VUs k6 may use to keep the rate (default 10 × rate, at least 50)
//   MXA_SUMMARY       where handleSummary writes the JSON summary (default: summary.json)
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import exec from "k6/execution";
import { SharedArray } from "k6/data";

const env = __ENV;
const data = new SharedArray("mxaccept-data", () => [JSON.parse(open(env.MXA_DATA))])[0];
const base = env.MXA_BASE_URL.replace(/\/+$/, "");
const scenario = env.MXA_SCENARIO || data.scenario;
const rate = Number(env.MXA_RATE || 10);
const maxVUs = Number(env.MXA_MAX_VUS || Math.max(50, rate * 10)); // enough VUs for answers of up to 10 s at the full rate
const p99 = Number(env.MXA_P99_MS || 1000);
const maxErrorRate = Number(env.MXA_MAX_ERROR_RATE || 0.001);
const warmupS = parseDuration(env.MXA_WARMUP || "2s");
const durationS = parseDuration(env.MXA_DURATION || "10s");
const planned = Math.round(rate * durationS);

function parseDuration(d) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(d));
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] || "s"]);
}

const arrival = (duration, startTime, phase) => ({
  executor: "constant-arrival-rate",
  rate,
  timeUnit: "1s",
  duration: `${duration}s`,
  startTime: `${startTime}s`,
  preAllocatedVUs: Math.min(maxVUs, Math.max(5, Math.ceil(rate))),
  maxVUs,
  gracefulStop: "10s",
  tags: { phase },
});

export const options = {
  scenarios: {
    ...(warmupS > 0 ? { warmup: arrival(warmupS, 0, "warmup") } : {}),
    main: arrival(durationS, warmupS, "main"),
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "p(99.9)", "max"],
  thresholds: {
    // The profile's targets: a breach makes k6 exit 99.
    // mxa_latency: from the iteration's (scheduled) start to the answer, connection set-up included.
    "mxa_latency{phase:main}": [`p(99)<${p99}`],
    "mxa_errors{phase:main}": [`rate<${maxErrorRate}`],
    // The generator kept the rate: at most 5 % of the main phase's iterations dropped.
    "dropped_iterations{scenario:main}": [`count<=${Math.floor(planned * 0.05)}`],
    // Sub-metrics the summary should show even when empty.
    "mxa_throttled{phase:main}": ["count>=0"],
    "mxa_ok{phase:main}": ["count>=0"],
  },
  discardResponseBodies: false,
};

const errors = new Rate("mxa_errors"); // answers >= 400 other than 429, and failed connections
const throttled = new Counter("mxa_throttled"); // 429: counted apart from errors
const ok = new Counter("mxa_ok");
const latency = new Trend("mxa_latency", true);

const auth = (token) => ({ Authorization: `Bearer ${token}` });

export default function () {
  const phase = exec.scenario.name === "main" ? "main" : "warmup";
  const seq = exec.scenario.iterationInTest;
  const id = `${phase[0]}${seq}`;
  const token = data.tokens[seq % data.tokens.length];
  const t0 = Date.now();
  let res;
  if (scenario === "send") {
    const content = { msgtype: "m.text", body: `load ${id}`, "org.mxaccept.load": { n: `${data.nonce}`, s: phase === "main" ? seq : -1 - seq, t: t0, ...(phase === "main" ? {} : { w: true }) } };
    res = http.put(`${base}/_matrix/client/v3/rooms/${encodeURIComponent(data.roomId)}/send/m.room.message/mxa-k6-${data.nonce}-${id}-${exec.vu.idInTest}`, JSON.stringify(content), { headers: { ...auth(token), "Content-Type": "application/json" }, tags: { name: "send" } });
  } else if (scenario === "sync") {
    const since = data.since[seq % data.since.length];
    res = http.get(`${base}/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(since)}`, { headers: auth(token), tags: { name: "sync" } });
  } else if (scenario === "login") {
    const l = data.logins[seq % data.logins.length];
    res = http.post(`${base}/_matrix/client/v3/login`, JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: l.user }, password: l.password }), { headers: { "Content-Type": "application/json" }, tags: { name: "login" } });
  } else if (scenario === "media") {
    const body = "x".repeat(data.mediaBytes);
    res = http.post(`${base}/_matrix/media/v3/upload?filename=load-${id}.bin`, body, { headers: { ...auth(token), "Content-Type": "application/octet-stream" }, tags: { name: "media" } });
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  if (res.status === 429) throttled.add(1);
  else {
    const failed = res.status === 0 || res.status >= 400;
    errors.add(failed);
    if (!failed) {
      ok.add(1);
      latency.add(Date.now() - t0);
    }
  }
}

export function handleSummary(summary) {
  return { [env.MXA_SUMMARY || "summary.json"]: JSON.stringify(summary, null, 1) };
}
