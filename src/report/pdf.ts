import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "@playwright/test";
import { UserError } from "../config/errors.ts";

/**
 * Prints the acceptance record to PDF with Debian's Chromium (Playwright's own browser download is not used).
 * MXACCEPT_CHROMIUM overrides the browser path.
 */

export function chromiumPath(): string {
  return process.env.MXACCEPT_CHROMIUM ?? "/usr/bin/chromium";
}

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath());
}

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Renders `htmlPath` to `pdfPath` (A4, page numbers in the footer). */
export async function printPdf(htmlPath: string, pdfPath: string, footer: string): Promise<void> {
  if (!chromiumAvailable()) throw new UserError(`no Chromium at ${chromiumPath()}: run 'npm run setup -- chromium' (installs Debian's chromium) or set MXACCEPT_CHROMIUM, then retry.`);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
    await page.emulateMedia({ media: "print" });
    const esc = footer.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    await page.pdf({
      path: pdfPath,
      format: "A4",
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: `<div style="font-size:7pt;color:#666;width:100%;padding:0 14mm;display:flex;justify-content:space-between;font-family:sans-serif"><span>${esc}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
    });
  } finally {
    await browser.close();
  }
}
