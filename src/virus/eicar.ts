import { createHash } from "node:crypto";
import { crc32, deflateRawSync } from "node:zlib";

/**
 * The EICAR anti-virus test file, assembled at run time (the repository never holds it in one piece, so no
 * virus scanner on a developer machine flags the source), standard-conforming infected files built from it, and
 * the ClamAV signatures the reference instance's clamd loads.
 *
 * The infected files of the contract check are ones that ClamAV's official databases detect (daily.cvd's
 * Win.Test.EICAR_HDB-1 matches the 68-byte file by hash, also inside an archive): the test file itself and the
 * test file in a zip. The generated signatures serve the reference's clamd only (no signature database is
 * downloaded there); a real scanner brings its own.
 */

const PARTS = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS", "-TEST-FILE!$H+H*"];

/** The 68 bytes of the EICAR test file. */
export function eicar(): Buffer {
  return Buffer.from(PARTS.join(""), "latin1");
}

/**
 * A zip archive holding one file, the EICAR test file as `name`, deflated (as `zip` writes it): the test string
 * does not appear in the archive's bytes, so only a scanner that unpacks archives (ClamAV does by default)
 * finds the test file inside.
 */
export function eicarZip(name = "eicar.com"): Buffer {
  const data = eicar();
  const fileName = Buffer.from(name, "utf8");
  const crc = crc32(data);
  const packed = deflateRawSync(data, { level: 9 });
  // DOS time/date of 2024-01-01 00:00:00, fixed so the archive is the same every run.
  const dosTime = 0;
  const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(8, 8); // method: deflate
  local.writeUInt16LE(dosTime, 10);
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(dosTime, 12);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt16LE(0, 30); // extra
  central.writeUInt16LE(0, 32); // comment
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attributes
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // offset of the local header
  const localPart = Buffer.concat([local, fileName, packed]);
  const centralPart = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

/** Names under which the reference clamd reports EICAR (ClamAV appends ".UNOFFICIAL"). */
export const SIGNATURE_NAMES = { hash: "Mxaccept.Test.EICAR-file", body: "Mxaccept.Test.EICAR-body" } as const;

/**
 * ClamAV signature files for the reference clamd: `mxaccept.hsb` matches the EICAR file by SHA-256 and size (as
 * the official Win.Test.EICAR_HDB-1 does by MD5), `mxaccept.ndb` matches the EICAR string anywhere in a file
 * (so that the larger infected files of the scan-latency benchmark are detected as well).
 */
export function clamavSignatures(): Record<string, string> {
  const e = eicar();
  return {
    "mxaccept.hsb": `${createHash("sha256").update(e).digest("hex")}:${e.length}:${SIGNATURE_NAMES.hash}\n`,
    "mxaccept.ndb": `${SIGNATURE_NAMES.body}:0:*:${e.toString("hex")}\n`,
  };
}
