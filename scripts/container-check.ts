// Builds the harness image (Containerfile) with podman and runs it against the embedded reference instance started
// outside on loopback: exit 0 on a conforming instance, exit 1 on a broken one (open registration, VSM-1), with
// junit.xml and the acceptance record in the mounted folder both times.
//
//   npm run container-check        (root; Debian's podman)
//
// Where docker.io cannot be reached (as on the machine this was built on), the base image node:24-bookworm is
// stood in for by the clean bookworm root of scripts/template-job.ts (Node 24, git; imported with podman import)
// plus the runner's CA bundle (NODE_EXTRA_CA_CERTS) for a TLS-inspecting egress proxy. This machine's runc may
// not raise RLIMIT_NOFILE/NPROC to podman's defaults: the limits are given explicitly (--ulimit).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensure, formatDuration } from "../src/stack/install.ts";
import { BROKEN_OVERLAY, referenceDown, referenceUp, rootDir, templateRoot, variablesOf } from "./template-job.ts";
import { scriptArgs } from "./script-args.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BASE = "docker.io/library/node:24-bookworm";
const IMAGE = "localhost/mxaccept:check";
const ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"];

function podman(args: string[], log: string): number {
  const r = spawnSync("bash", ["-c", `exec podman "$@" >>"${log}" 2>&1`, "podman", ...args], { stdio: "ignore" });
  return r.status ?? 1;
}

async function standInBase(log: string): Promise<void> {
  if (podman(["image", "exists", BASE], log) === 0) return;
  if (podman(["pull", "-q", BASE], log) === 0) return;
  console.error(`${BASE} cannot be pulled here: standing in the clean bookworm root of scripts/template-job.ts for it`);
  await ensure(templateRoot);
  const ctx = mkdtempSync(join(tmpdir(), "mxa-base-"));
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync("bash", ["-c", `tar -C "$1" -c . | podman import -q - "$2"`, "x", rootDir(), `${BASE}-root`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`podman import failed: ${r.stderr}`);
  const lines = [`FROM ${BASE}-root`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  if (ca && existsSync(ca)) {
    copyFileSync(ca, join(ctx, "runner-ca.crt"));
    lines.push(`COPY runner-ca.crt ${ca}`, `ENV NODE_EXTRA_CA_CERTS=${ca}`);
  }
  writeFileSync(join(ctx, "Containerfile"), `${lines.join("\n")}\n`);
  if (podman(["build", "-q", "--network", "host", ...ULIMITS, "-t", BASE, ctx], log) !== 0) throw new Error(`building the stand-in base failed: see ${log}`);
}

async function main(): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), "mxa-container-"));
  const log = join(out, "podman.log");
  const t0 = performance.now();
  await standInBase(log);
  const tb = performance.now();
  console.error(`building ${IMAGE} from Containerfile (log ${log}) …`);
  if (podman(["build", "--network", "host", ...ULIMITS, "-f", join(ROOT, "Containerfile"), "-t", IMAGE, ROOT], log) !== 0) {
    console.error(`podman build failed: see ${log}`);
    return 1;
  }
  const size = spawnSync("podman", ["image", "inspect", IMAGE, "--format", "{{.Size}}"], { encoding: "utf8" }).stdout.trim();
  console.error(`image built in ${formatDuration(performance.now() - tb)} (${Math.round(Number(size) / 2 ** 20)} MiB); base ready after ${formatDuration(tb - t0)}`);
  let bad = 0;
  for (const instance of ["conforming", "broken"] as const) {
    const state = join(out, `${instance}-state`);
    const overlay = join(out, "broken.yaml");
    writeFileSync(overlay, BROKEN_OVERLAY);
    try {
      const target = await referenceUp("vodafone-secure-messenger", state, instance === "broken" ? overlay : undefined);
      const { variables, caFile } = variablesOf(target);
      const work = join(out, `${instance}-work`);
      mkdirSync(work, { recursive: true });
      if (caFile) copyFileSync(caFile, join(work, "ca.pem"));
      writeFileSync(join(work, "staging.env"), Object.entries({ ...variables, ...(caFile ? { MXACCEPT_CA_FILE: "/work/ca.pem" } : {}) }).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
      const t1 = performance.now();
      const code = podman(["run", "--rm", "--network", "host", ...ULIMITS, "-v", `${work}:/work`, "-w", "/work", IMAGE, "run", "--target", "staging.env", "--suite", "security"], join(out, `${instance}-run.log`));
      const reports = join(work, "reports");
      const run = existsSync(reports) ? readdirSync(reports).filter((d) => existsSync(join(reports, d, "results.json"))).pop() : undefined;
      const junit = run && existsSync(join(reports, run, "junit.xml")) && /<testcase /.test(readFileSync(join(reports, run, "junit.xml"), "utf8"));
      const record = run && existsSync(join(reports, run, "acceptance.html"));
      const expected = instance === "conforming" ? 0 : 1;
      const ok = code === expected && junit && record;
      if (!ok) bad++;
      console.error(`container run against the ${instance} instance: exit ${code} (expected ${expected}) in ${formatDuration(performance.now() - t1)}; junit.xml ${junit ? "written" : "MISSING"}, record ${record ? "written" : "MISSING"}${run && existsSync(join(reports, run, "acceptance.pdf")) ? " (+ PDF)" : ""}; log ${join(out, `${instance}-run.log`)}`);
    } finally {
      referenceDown(state);
    }
  }
  console.log(`container check: ${2 - bad} of 2 runs did what they should in ${formatDuration(performance.now() - t0)} (out ${out})`);
  return bad ? 1 : 0;
}

scriptArgs(`npm run container-check
Builds the harness image (Containerfile) with podman and runs it against a conforming (exit 0) and a broken (exit 1)
embedded reference instance, as root with Debian's podman. Takes no options.`, {});
if (process.getuid?.() !== 0) {
  console.error("container-check: needs root (podman as root, like the CI runner).");
  process.exit(2);
}
process.exit(await main());
