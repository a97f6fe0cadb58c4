import type { Installable } from "../stack/install.ts";
import { join } from "node:path";
import { projectRoot } from "../config/paths.ts";
import { chromium, clamav, contentScanner, dockerCompose, java, k6, keycloak, openssl, postgresServer, psycopg2, synapse } from "../stack/installables.ts";
import { nginxAndRedis, synapseRedisExtra } from "../stack/topology/production.ts";
import { dendriteInstallable } from "../stack/dendrite.ts";

/**
 * Everything `npm run setup -- --all` installs, in order, by the key `npm run setup -- KEY` takes. Each entry is
 * also ensured where its part starts (set-up by need); this list only makes the project's own CI install it all
 * up front. Add a part with one import and one line.
 */
export interface Entry {
  key: string;
  /** What needs it, for `npm run setup -- --list`. */
  neededBy: string;
  installable: Installable;
}

export const INSTALLABLES: Entry[] = [
  { key: "chromium", neededBy: "browser suites (identity, portals, …) and the PDF acceptance record", installable: chromium },
  { key: "java", neededBy: "the Allure report (mxaccept report --allure) and Keycloak", installable: java },
  { key: "openssl", neededBy: "the embedded reference instance (local CA)", installable: openssl },
  { key: "synapse", neededBy: "the embedded reference instance (stack up, run without --target)", installable: synapse },
  { key: "scanner", neededBy: "--with scanner (virus suite)", installable: clamav },
  { key: "scanner-wheel", neededBy: "--with scanner (virus suite)", installable: contentScanner },
  { key: "postgres", neededBy: "--with postgres (load suite)", installable: postgresServer },
  { key: "psycopg2", neededBy: "--with postgres (load suite)", installable: psycopg2 },
  { key: "topology", neededBy: "--topology production (nginx and Redis)", installable: nginxAndRedis },
  { key: "synapse-redis", neededBy: "--topology production (Synapse workers replicate over Redis)", installable: synapseRedisExtra(process.env.MXACCEPT_PYTHON || join(projectRoot(), ".venv", "bin", "python")) },
  { key: "keycloak", neededBy: "--with keycloak (identity and portals suites)", installable: keycloak },
  { key: "k6", neededBy: "mxaccept load --engine k6", installable: k6 },
  { key: "dendrite", neededBy: "--server dendrite (a second implementation; test/server.e2e.test.ts)", installable: dendriteInstallable },
  { key: "docker-compose", neededBy: "the compose file check (test/compose.test.ts)", installable: dockerCompose },
];
