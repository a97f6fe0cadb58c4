import { dirname, resolve, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder (where package.json lives). */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** The state folder of the embedded reference instance: MXACCEPT_STATE_DIR or ./.mxaccept of the project. */
export function stateDir(): string {
  return resolve(process.env.MXACCEPT_STATE_DIR ?? join(projectRoot(), ".mxaccept"));
}

/** Where run reports go: MXACCEPT_REPORTS_DIR or ./reports of the project. */
export function reportsDir(): string {
  return resolve(process.env.MXACCEPT_REPORTS_DIR ?? join(projectRoot(), "reports"));
}

/** The venv's Python that runs Synapse; MXACCEPT_PYTHON points elsewhere (e.g. a venv outside the clone). */
export function pythonPath(): string {
  return process.env.MXACCEPT_PYTHON || join(projectRoot(), ".venv", "bin", "python");
}
