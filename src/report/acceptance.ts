import { join } from "node:path";
import { statSync } from "node:fs";
import { loadProfile } from "../config/profile.ts";
import { readResults } from "./playwright-reporter.ts";
import { recordInput, writeRecordHtml } from "./record.ts";
import { chromiumAvailable, printPdf } from "./pdf.ts";

/**
 * Writes a run's acceptance record: acceptance.html always; acceptance.pdf when `pdf` is "always" (an error
 * without Chromium) or "auto" and Chromium is installed. Used by `mxaccept run` (auto) and `mxaccept report`.
 */
export async function writeAcceptanceRecord(reportDir: string, pdf: "auto" | "always" | "never"): Promise<{ html: string; pdf?: string; htmlBytes: number; pdfBytes?: number; ms: number }> {
  const t0 = performance.now();
  const results = readResults(reportDir);
  const input = recordInput(reportDir, results, loadProfile(results.profile));
  const html = writeRecordHtml(input);
  let pdfPath: string | undefined;
  if (pdf === "always" || (pdf === "auto" && chromiumAvailable())) {
    pdfPath = join(reportDir, "acceptance.pdf");
    await printPdf(html, pdfPath, `mxaccept · ${results.target.serverName} · ${results.profile} · ${results.runId}`);
  }
  return { html, pdf: pdfPath, htmlBytes: statSync(html).size, pdfBytes: pdfPath ? statSync(pdfPath).size : undefined, ms: performance.now() - t0 };
}
