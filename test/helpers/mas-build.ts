import { existsSync } from "node:fs";

/**
 * The user's own MAS build (MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE): the self-tests that need a real MAS run where it
 * is named and are skipped with this one reason elsewhere (MAS is in no registry; the project never builds it).
 */
const bin = process.env.MXACCEPT_MAS_BIN;
const share = process.env.MXACCEPT_MAS_SHARE;
export const noMas = !bin || !share || !existsSync(bin) || !existsSync(share);
export const NO_MAS_REASON = "MXACCEPT_MAS_BIN and MXACCEPT_MAS_SHARE name no MAS binary: set them to your own mas-cli build and its share folder (MAS is in no registry; the project never builds it)";

/** The describe title: the one skip reason without a MAS build, else what the file checks. */
export function masTitle(what: string): string {
  return noMas ? NO_MAS_REASON : what;
}
