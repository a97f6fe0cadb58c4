import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { png } from "../../fixtures/files.ts";

/**
 * The EICAR anti-virus test file, assembled at run time (the repository never holds it in one piece, so no
 * virus scanner on a developer machine flags the source), and the ClamAV signatures the reference instance's
 * clamd loads: harness-owned names, generated at start, so no signature database is downloaded.
 */

const PARTS = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS", "-TEST-FILE!$H+H*"];

/** The 68 bytes of the EICAR test file. */
export function eicar(): Buffer {
  return Buffer.from(PARTS.join(""), "latin1");
}

/** Names under which the reference clamd reports EICAR (ClamAV appends ".UNOFFICIAL"). */
export const SIGNATURE_NAMES = { hash: "Mxaccept.Test.EICAR-file", body: "Mxaccept.Test.EICAR-body", image: "Mxaccept.Test.EICAR-image" } as const;

/**
 * An infected image: a real PNG with the EICAR string appended (image viewers and thumbnailers ignore what
 * follows IEND). The reference clamd knows this picture by its image fuzzy hash as well, as ClamAV image
 * signatures work, so a thumbnail rendered from it is recognised too.
 */
export function infectedImage(): Buffer {
  return Buffer.concat([png(256, 192, 7).bytes, eicar()]);
}

/** ClamAV's image fuzzy hash of a file (`sigtool --fuzzy-img`). */
function fuzzyImageHash(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "mxa-img-"));
  try {
    const file = join(dir, "image.png");
    writeFileSync(file, bytes);
    const r = spawnSync("sigtool", ["--fuzzy-img", file], { encoding: "utf8", timeout: 30_000 });
    const hash = /:\s*([0-9a-f]{16})\s*$/m.exec(r.stdout ?? "")?.[1];
    if (r.status !== 0 || !hash) throw new Error(`sigtool --fuzzy-img failed: ${(r.stderr || r.stdout || r.error?.message || "").trim()}`);
    return hash;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * ClamAV signature files: `mxaccept.hsb` matches the EICAR file by SHA-256 and size, `mxaccept.ndb` matches the
 * EICAR string anywhere in a file (so larger infected files for the latency benchmark are detected as well),
 * `mxaccept.ldb` matches the infected image by its fuzzy hash (needs ClamAV's sigtool).
 */
export function clamavSignatures(): Record<string, string> {
  const e = eicar();
  return {
    "mxaccept.ldb": `${SIGNATURE_NAMES.image};Engine:150-255,Target:0;0;fuzzy_img#${fuzzyImageHash(infectedImage())}#0\n`,
    "mxaccept.hsb": `${createHash("sha256").update(e).digest("hex")}:${e.length}:${SIGNATURE_NAMES.hash}\n`,
    "mxaccept.ndb": `${SIGNATURE_NAMES.body}:0:*:${e.toString("hex")}\n`,
  };
}
