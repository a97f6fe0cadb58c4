import { readFileSync } from "node:fs";
import tls from "node:tls";
import { UserError } from "./errors.ts";

const trusted = new Set<string>();

/**
 * Adds a PEM CA to the certificates this process trusts, next to the system store (global fetch included).
 * Used for the reference instance's local CA and a target's MXACCEPT_CA_FILE.
 */
export function trustCa(file: string): void {
  if (trusted.has(file)) return;
  if (typeof tls.setDefaultCACertificates !== "function") {
    throw new UserError(`this Node (${process.version}) cannot add a CA at run time: use Node >= 22.19 or 24.5 (run through npm scripts or bin/mxaccept.js).`);
  }
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`CA file ${file} cannot be read: check MXACCEPT_CA_FILE.`);
  }
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), pem]);
  trusted.add(file);
}
