/**
 * Scan latency benchmark: time from the start of an upload to the content scanner's verdict (`GET …/scan`), for
 * 1 MB and 20 MB files, clean and infected (the EICAR string inside random bytes), several runs each; prints
 * the medians. Every run uploads a new file, so no cached verdict is measured.
 *
 *   npm run bench:scan -- [--target F.env] [--runs N]
 *
 * Without --target it uses the running reference instance (`mxaccept stack up --with scanner`). The run-tagged
 * user and its uploads are removed at the end.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTarget } from "../../src/config/target.ts";
import { trustCa } from "../../src/config/trust.ts";
import { stateDir } from "../../src/config/paths.ts";
import { runningStack } from "../../src/stack/native.ts";
import { Deployment } from "../../src/matrix/deployment.ts";
import { Ledger } from "../../src/matrix/ledger.ts";
import { UserFactory } from "../../src/matrix/users.ts";
import { newRunId } from "../../src/config/run-id.ts";
import { cleanupRun } from "../../src/matrix/cleanup.ts";
import { upload } from "../../src/matrix/attachments.ts";
import { eicar } from "../../src/virus/eicar.ts";
import { ContentScanner } from "../../src/virus/scanner-client.ts";
import { scriptArgs } from "../../scripts/script-args.ts";

const { values } = scriptArgs(`npm run bench:scan -- [--target F.env] [--runs N]
Scan latency of the content scanner: upload to verdict, 1 MB and 20 MB, clean and infected; prints the medians.
  --target F.env   the target file (default: the running reference instance, mxaccept stack up --with scanner)
  --runs N         uploads per size and kind (default 5)`, { target: { type: "string" }, runs: { type: "string", default: "5" } });
const targetFile = values.target ?? runningStack(stateDir())?.targetFile;
if (!targetFile) {
  console.error("bench-scan: no target: start the reference instance with 'mxaccept stack up --with scanner' or pass --target F.env.");
  process.exit(2);
}
const target = loadTarget(targetFile);
if (target.caFile) trustCa(target.caFile);
if (!target.scannerUrl) {
  console.error(`bench-scan: ${targetFile} names no MXACCEPT_SCANNER_URL: start the instance with --with scanner.`);
  process.exit(2);
}
const runs = Number(values.runs);
const scanner = new ContentScanner(target.scannerUrl);
const runId = newRunId();
const ledgerFile = join(mkdtempSync(join(tmpdir(), "mxa-bench-")), "ledger.jsonl");
const d = Deployment.of(target);
const factory = new UserFactory(d.instance, runId, new Ledger(ledgerFile));
const user = await factory.create("bench");

function file(size: number, infected: boolean): Buffer {
  const b = randomBytes(size);
  if (infected) eicar().copy(b, Math.floor(size / 2));
  return b;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const MB = 1_000_000;
const rows: string[] = [];
try {
  for (const size of [1 * MB, 20 * MB]) {
    for (const infected of [false, true]) {
      const total: number[] = [];
      const verdictOnly: number[] = [];
      for (let i = 0; i < runs; i++) {
        const bytes = file(size, infected);
        const t0 = performance.now();
        const mxc = await upload(user, bytes);
        const t1 = performance.now();
        const r = await scanner.scan(user, mxc);
        const t2 = performance.now();
        if (r.status !== 200 || r.clean !== !infected) throw new Error(`unexpected verdict for a ${infected ? "infected" : "clean"} ${size / MB} MB file: ${JSON.stringify(r)}`);
        total.push(t2 - t0);
        verdictOnly.push(t2 - t1);
      }
      rows.push(`${String(size / MB).padStart(3)} MB  ${(infected ? "infected" : "clean").padEnd(8)}  upload→verdict median ${median(total).toFixed(0).padStart(6)} ms   scan request median ${median(verdictOnly).toFixed(0).padStart(6)} ms   (n=${runs})`);
      console.log(rows.at(-1));
    }
  }
} finally {
  await cleanupRun(d, runId, ledgerFile);
}
