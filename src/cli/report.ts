import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { reportsDir } from "../config/paths.ts";
import { writeAcceptanceRecord } from "../report/acceptance.ts";
import { renderAllure } from "../report/allure.ts";
import { parse } from "./args.ts";
import { ensure } from "../stack/install.ts";
import { chromium, ensureOrSay, java } from "../stack/installables.ts";

const USAGE = "mxaccept report [--run ID] [--pdf | --no-pdf] [--allure [--allure-history DIR]]";

/** The newest run folder with a results.json (run ids start with their UTC time, so names sort by age). */
export function latestRun(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).filter((n) => existsSync(join(dir, n, "results.json"))).sort().pop();
}

export async function reportCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    run: { type: "string" },
    pdf: { type: "boolean" },
    "no-pdf": { type: "boolean" },
    allure: { type: "boolean" },
    "allure-history": { type: "string" },
  }, USAGE);
  if (values.pdf && values["no-pdf"]) throw new UserError("--pdf and --no-pdf contradict each other: drop one.");
  if (values["allure-history"] && !values.allure) throw new UserError("--allure-history needs --allure.");
  const dir = reportsDir();
  const runId = values.run ?? latestRun(dir);
  if (!runId) throw new UserError(`no run with a results.json in ${dir}: run 'mxaccept run' first, or set MXACCEPT_REPORTS_DIR.`);
  const reportDir = join(dir, runId);
  if (!existsSync(join(reportDir, "results.json"))) throw new UserError(`--run ${runId}: no results.json in ${reportDir}; pick a folder name from ${dir}.`);

  if (values.pdf) await ensure(chromium);
  else if (!values["no-pdf"]) await ensureOrSay(chromium, "the record is written without PDF");
  const rec = await writeAcceptanceRecord(reportDir, values.pdf ? "always" : values["no-pdf"] ? "never" : "auto");
  console.log(`acceptance record: ${rec.html} (${Math.round(rec.htmlBytes / 1024)} KiB)`);
  if (rec.pdf) console.log(`acceptance record (PDF): ${rec.pdf} (${Math.round(rec.pdfBytes! / 1024)} KiB)`);
  else if (!values["no-pdf"]) console.log("no PDF: Chromium is not installed (run 'npm run setup -- chromium', or pass --pdf to make this an error)");
  if (values.allure) {
    await ensure(java); // allure-commandline is a Java program
    const out = await renderAllure(reportDir, { historyDir: values["allure-history"] ? resolve(values["allure-history"]) : undefined });
    console.log(`allure report: ${join(out, "index.html")}`);
  }
  return 0;
}
