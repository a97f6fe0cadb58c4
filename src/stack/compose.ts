import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { loadProfile } from "../config/profile.ts";
import { ROLES, type Role, type StackLayout, serverConfig, signingKey, logConfig, serverName, baseUrl } from "./generate.ts";
import type { Yamlish } from "./overlay.ts";
import { ensureTls } from "./tls.ts";
import { PUBLIC_SERVER_NAME, productionHomeserver, workerSpecs, workerConfig, type ProductionPlan, type Topology } from "./topology/production.ts";
import { nginxConfig } from "./topology/nginx.ts";

/**
 * docker-compose.yml for the reference instance with official images, from the same generator as the native
 * launcher (serverConfig in generate.ts): three Synapse containers, and under compose profiles the content
 * scanner with ClamAV (`scanner`), Keycloak (`keycloak`) and PostgreSQL (`postgres`).
 *
 * Every service uses the host's network, as the native launcher does: the homeservers listen on loopback
 * (localhost:8481..8483) with the local CA's certificate, federate over loopback, and the generated
 * homeserver.yaml is the same as the native one for the same layout; only the folders are container paths.
 *
 * `npm run compose` writes docker-compose.yml at the project root (no secrets: committed, and checked against
 * the generator by test/compose.test.ts) and the config it mounts into stack/compose/ (secrets, TLS, signing
 * keys: git-ignored). The testcontainers launcher (containers.ts) writes both into the state folder instead.
 */

export const COMPOSE_PORTS: Record<Role, number> = { hs1: 8481, hs2: 8482, hs3: 8483 };
export const PART_PORTS = { scanner: 8090, clamd: 3310, keycloak: 8180, postgres: 5433 } as const;
/** Fixed ports of the production topology's hs1 under compose (profile `production`; hs1's main process keeps 8481). */
export const PRODUCTION_PORTS: ProductionPlan["ports"] = { https: 443, http: 80, client: 8441, admin: 8449, main: COMPOSE_PORTS.hs1, client1: 8484, federation1: 8485, media1: 8486, redis: 6380, replication: 8491 };
export const IMAGES = {
  synapse: "matrixdotorg/synapse:v1.163.2",
  scanner: "vectorim/matrix-content-scanner:v1.2.1",
  clamav: "clamav/clamav:1.4",
  keycloak: "quay.io/keycloak/keycloak:26.0",
  postgres: "postgres:16",
  redis: "redis:7",
  nginx: "nginx:1.27",
} as const;

/** Where the config folder is mounted in the containers. */
const DATA = "/data";
const TLS = "/tls";

function secret(): string {
  return randomBytes(24).toString("base64url");
}

/** The layout the compose services run with: fixed ports, container paths. */
export function composeLayout(secrets: Record<Role, StackLayout["servers"][Role]["secrets"]>, scales: { timeScale?: number; sizeScale?: number } = {}): StackLayout {
  return {
    host: "localhost",
    timeScale: scales.timeScale ?? 1,
    sizeScale: scales.sizeScale ?? 1,
    tls: { caCert: `${TLS}/ca.crt`, cert: `${TLS}/server.crt`, key: `${TLS}/server.key` },
    servers: Object.fromEntries(ROLES.map((r) => [r, { port: COMPOSE_PORTS[r], dir: `${DATA}/${r}`, secrets: secrets[r] }])) as StackLayout["servers"],
  };
}

/** docker-compose.yml text; `configDir` is the config folder relative to the compose file. Deterministic. */
export function composeYaml(configDir = "./stack/compose", modulesDir = "./stack/modules"): string {
  const synapse = (role: Role) => ({
    image: IMAGES.synapse,
    network_mode: "host",
    restart: "unless-stopped",
    environment: {
      SYNAPSE_CONFIG_PATH: `${DATA}/${role}/homeserver.yaml`,
      UID: "${MXACCEPT_UID:-1000}",
      GID: "${MXACCEPT_GID:-1000}",
      PYTHONPATH: "/modules",
    },
    volumes: [`${configDir}/${role}:${DATA}/${role}`, `${configDir}/tls:${TLS}:ro`, `${modulesDir}:/modules:ro`],
    healthcheck: {
      test: ["CMD-SHELL", `curl -fsk https://localhost:${COMPOSE_PORTS[role]}/health || curl -fs http://localhost:${COMPOSE_PORTS[role]}/health || exit 1`],
      interval: "5s",
      timeout: "3s",
      retries: 30,
    },
  });
  const doc = {
    services: {
      hs1: synapse("hs1"),
      hs2: synapse("hs2"),
      hs3: synapse("hs3"),
      clamav: {
        image: IMAGES.clamav,
        profiles: ["scanner"],
        network_mode: "host",
        environment: { CLAMAV_NO_FRESHCLAMD: "true" },
        volumes: [`${configDir}/clamav:/var/lib/clamav`],
      },
      "content-scanner": {
        image: IMAGES.scanner,
        profiles: ["scanner"],
        network_mode: "host",
        depends_on: ["clamav", "hs1"],
        volumes: [`${configDir}/scanner:/data`, `${configDir}/tls:${TLS}:ro`],
        environment: { SSL_CERT_FILE: `${TLS}/ca.crt`, REQUESTS_CA_BUNDLE: `${TLS}/ca.crt` },
      },
      keycloak: {
        image: IMAGES.keycloak,
        profiles: ["keycloak"],
        network_mode: "host",
        command: ["start-dev", `--http-port=${PART_PORTS.keycloak}`, "--http-host=127.0.0.1"],
        env_file: [`${configDir}/keycloak.env`],
      },
      postgres: {
        image: IMAGES.postgres,
        profiles: ["postgres"],
        network_mode: "host",
        command: ["postgres", "-p", String(PART_PORTS.postgres), "-c", "listen_addresses=127.0.0.1"],
        env_file: [`${configDir}/postgres.env`],
        volumes: [`${configDir}/postgres:/var/lib/postgresql/data`],
      },
      // The production topology (`npm run compose -- --topology production` writes its config): hs1's workers,
      // Redis and nginx; hs1 itself is then the main process behind nginx, on PostgreSQL (profile postgres).
      ...Object.fromEntries(workerSpecs(`${DATA}/hs1`, PRODUCTION_PORTS).map((w) => [`hs1-${w.name}`, {
        image: IMAGES.synapse,
        profiles: ["production"],
        network_mode: "host",
        restart: "unless-stopped",
        depends_on: ["hs1", "redis"],
        entrypoint: ["python", "-m", w.app, "-c", `${DATA}/hs1/homeserver.yaml`, "-c", w.config],
        environment: { PYTHONPATH: "/modules" },
        volumes: [`${configDir}/hs1:${DATA}/hs1`, `${configDir}/tls:${TLS}:ro`, `${modulesDir}:/modules:ro`],
      }])),
      redis: {
        image: IMAGES.redis,
        profiles: ["production"],
        network_mode: "host",
        // One string: a bare `no` in a YAML list is read as false by YAML 1.1 parsers (docker-compose v1).
        command: `redis-server --port ${PRODUCTION_PORTS.redis} --bind 127.0.0.1 --save '' --appendonly no`,
      },
      nginx: {
        image: IMAGES.nginx,
        profiles: ["production"],
        network_mode: "host",
        depends_on: ["hs1"],
        command: ["nginx", "-c", `${DATA}/production/nginx.conf`, "-p", `${DATA}/production`, "-g", "daemon off;"],
        volumes: [`${configDir}/production:${DATA}/production`, `${configDir}/tls:${TLS}:ro`],
      },
    },
  };
  return `# Generated by 'npm run compose' (src/stack/compose.ts) from the same generator as the native launcher: do not edit.
# Write the mounted config first ('npm run compose' puts it into stack/compose/), then:
#   docker compose up -d                       # hs1, hs2, hs3 on https://localhost:8481..8483
#   docker compose --profile scanner --profile keycloak --profile postgres up -d
#   production topology: 'npm run compose -- --topology production', then
#   docker compose --profile production --profile postgres up -d   # hs1 = main + workers + Redis behind nginx
#   npx mxaccept run --target stack/compose/target.env
${stringify(doc, { lineWidth: 0 })}`;
}

export interface ComposeFiles {
  composeFile: string;
  configDir: string;
  targetFile: string;
  layout: StackLayout;
  /** The homeserver.yaml written for each server, as data. */
  configs: Record<Role, Yamlish>;
}

/**
 * Writes docker-compose.yml into `root` and its config into `root/stack/compose/`: for each server
 * homeserver.yaml (serverConfig with `overlays`), log config, signing key, media folder; the local CA and
 * certificate; ClamAV's test signature, the content scanner's config; secrets for Keycloak and PostgreSQL; and
 * a target file for `mxaccept run --target`.
 */
export function writeCompose(root: string, profileId: string, opts: { overlays?: Partial<Record<Role, Yamlish>>; timeScale?: number; sizeScale?: number; modulesDir?: string; topology?: Topology } = {}): ComposeFiles {
  const profile = loadProfile(profileId);
  const configDir = join(root, "stack", "compose");
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const secrets = Object.fromEntries(ROLES.map((r) => [r, { registration: secret(), macaroon: secret(), form: secret() }])) as Record<Role, StackLayout["servers"][Role]["secrets"]>;
  const layout = composeLayout(secrets, opts);
  ensureTls(join(configDir, "tls"));
  const production = opts.topology === "production";
  const postgresPassword = secret();
  const hs1Extra: Yamlish | undefined = production
    ? {
      ...productionHomeserver(PRODUCTION_PORTS, secret()),
      database: { name: "psycopg2", args: { user: "synapse", password: postgresPassword, database: "synapse", host: "127.0.0.1", port: PART_PORTS.postgres, cp_min: 2, cp_max: 10 } },
    }
    : undefined;
  if (production) {
    layout.servers.hs1.public = { serverName: PUBLIC_SERVER_NAME, baseUrl: `https://${PUBLIC_SERVER_NAME}:${PRODUCTION_PORTS.client}` };
    mkdirSync(join(configDir, "production", "tmp"), { recursive: true });
    writeFileSync(join(configDir, "production", "nginx.conf"), nginxConfig({
      dir: `${DATA}/production`, ports: PRODUCTION_PORTS, tls: layout.tls, serverName: PUBLIC_SERVER_NAME, clientUrl: baseUrl(layout, "hs1"),
      maxUploadBytes: 1024 ** 3, asRoot: true,
    }));
    for (const w of workerSpecs(`${DATA}/hs1`, PRODUCTION_PORTS)) {
      const logYaml = logConfig(`${DATA}/hs1`) as { handlers: { file: { filename: string } } };
      logYaml.handlers.file.filename = `${DATA}/hs1/${w.name}.log`;
      mkdirSync(join(configDir, "hs1"), { recursive: true });
      writeFileSync(join(configDir, "hs1", `log-${w.name}.yaml`), stringify(logYaml));
      writeFileSync(join(configDir, "hs1", `worker-${w.name}.yaml`), stringify(workerConfig(w, `${DATA}/hs1/log-${w.name}.yaml`)), { mode: 0o600 });
    }
  }
  const configs = {} as Record<Role, Yamlish>;
  for (const role of ROLES) {
    const dir = join(configDir, role);
    mkdirSync(join(dir, "media"), { recursive: true });
    configs[role] = serverConfig(profile, layout, role, [role === "hs1" ? hs1Extra : undefined, opts.overlays?.[role]]);
    writeFileSync(join(dir, "homeserver.yaml"), stringify(configs[role]), { mode: 0o600 });
    writeFileSync(join(dir, "log.yaml"), stringify(logConfig(layout.servers[role].dir)));
    writeFileSync(join(dir, "signing.key"), signingKey(), { mode: 0o600 });
  }
  mkdirSync(join(configDir, "clamav"), { recursive: true });
  // The EICAR test file's MD5 signature: ClamAV detects the test virus without a signature download.
  writeFileSync(join(configDir, "clamav", "eicar.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
  mkdirSync(join(configDir, "scanner"), { recursive: true });
  writeFileSync(join(configDir, "scanner", "config.yaml"), stringify({
    web: { host: "127.0.0.1", port: PART_PORTS.scanner },
    scan: { script: "/data/scan.sh", temp_directory: "/tmp/mcs" },
    download: { base_homeserver_url: baseUrl(layout, "hs1") },
    crypto: { pickle_path: "/data/pickle", pickle_key: secret() },
  }));
  writeFileSync(join(configDir, "scanner", "scan.sh"), `#!/bin/sh\n# Exit 0 = clean: asks clamd on the host network.\nexec clamdscan --no-summary --stream --config-file=/dev/null --host=127.0.0.1 --port=${PART_PORTS.clamd} "$1"\n`, { mode: 0o755 });
  writeFileSync(join(configDir, "keycloak.env"), `KC_BOOTSTRAP_ADMIN_USERNAME=admin\nKC_BOOTSTRAP_ADMIN_PASSWORD=${secret()}\n`, { mode: 0o600 });
  writeFileSync(join(configDir, "postgres.env"), `POSTGRES_USER=synapse\nPOSTGRES_PASSWORD=${postgresPassword}\nPOSTGRES_INITDB_ARGS=--encoding=UTF8 --locale=C\n`, { mode: 0o600 });
  const targetFile = join(configDir, "target.env");
  const env = [
    "# Written by 'npm run compose': the reference instance of docker-compose.yml. Holds secrets: do not share.",
    ...ROLES.flatMap((r) => {
      const p = r === "hs1" ? "MXACCEPT_" : r === "hs2" ? "MXACCEPT_PARTNER_" : "MXACCEPT_OUTSIDER_";
      return [`${p}BASE_URL=${baseUrl(layout, r)}`, `${p}SERVER_NAME=${serverName(layout, r)}`, `${p}REGISTRATION_SHARED_SECRET=${secrets[r].registration}`];
    }),
    ...(production ? [`MXACCEPT_ADMIN_BASE_URL=https://${PUBLIC_SERVER_NAME}:${PRODUCTION_PORTS.admin}`, `MXACCEPT_PARTNER_ADMIN_BASE_URL=${baseUrl(layout, "hs2")}`, `MXACCEPT_OUTSIDER_ADMIN_BASE_URL=${baseUrl(layout, "hs3")}`] : []),
    `MXACCEPT_CA_FILE=${resolve(configDir, "tls", "ca.crt")}`,
    `MXACCEPT_PROFILE=${profile.id}`,
    "MXACCEPT_DESTRUCTIVE=allow",
    `MXACCEPT_TIME_SCALE=${layout.timeScale}`,
    `MXACCEPT_SIZE_SCALE=${layout.sizeScale}`,
    `MXACCEPT_HOMESERVER_CONFIG=${resolve(configDir, "hs1", "homeserver.yaml")}`,
  ];
  writeFileSync(targetFile, `${env.join("\n")}\n`, { mode: 0o600 });
  const composeFile = join(root, "docker-compose.yml");
  writeFileSync(composeFile, composeYaml("./stack/compose", opts.modulesDir ?? "./stack/modules"));
  return { composeFile, configDir, targetFile, layout, configs };
}
