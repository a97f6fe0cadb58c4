import type { Profile } from "../config/profile.ts";
import type { Role, StackLayout } from "./generate.ts";
import type { Yamlish } from "./overlay.ts";

/**
 * Optional parts of the embedded reference instance beside the three homeservers (`stack up --with a,b`):
 * the content scanner, Keycloak, PostgreSQL. Each part lives in `src/stack/parts/<name>.ts` and is listed in
 * `src/stack/parts/index.ts`; the native launcher prepares, starts, records and stops them.
 */

/** A process a part started. Recorded in stack.json so `stack down` stops it; `match` is a piece of its command line that tells it from a recycled pid. */
export interface PartProcess {
  name: string;
  pid: number;
  match: string;
  /** Where its output goes, for error messages. */
  log?: string;
  /** A folder outside the state folder that only this process uses (PostgreSQL's data); removed once it has stopped. */
  scratch?: string;
}

export interface PartContext {
  /** The stack's state folder; a part keeps its files in `join(stateDir, part.name)`. */
  stateDir: string;
  profile: Profile;
  /** Ports, names and folders of hs1..hs3 (chosen before any part is prepared). */
  layout: StackLayout;
  /** Parts selected for this start (a part may adapt to another, e.g. the scanner to keycloak). */
  with: string[];
  /** The shape of hs1 (`--topology`): a part that needs hs1 behind nginx (MAS's routes) refuses the simple one. */
  topology: "simple" | "production";
  /** The part's own `--overlay-<part>` file, parsed: deep-merged last into the config it generates (`--overlay-mas`). */
  overlay?: Yamlish;
  log(line: string): void;
}

/** What a part adds to hs1's public entry (the production topology's nginx, src/stack/topology/nginx.ts). */
export interface Ingress {
  /**
   * Path regexes (nginx `location ~`) of hs1's public client host sent to this part instead of Synapse; `name` is
   * the nginx upstream (what an --overlay-nginx file may name), `tls` an https upstream verified against the local CA.
   */
  routes?: {
    name: string;
    paths: string[];
    upstream: { host: string; port: number; tls: boolean };
    /**
     * Connect to the upstream from the client's own (loopback) address, so a limiter per client address there sees
     * each client apart (MAS 1.7.0 does not take the address from X-Forwarded-For on its compatibility login).
     */
    clientAddress?: boolean;
  }[];
  /** Keys added to hs1's `/.well-known/matrix/client` (e.g. MSC2965's `org.matrix.msc2965.authentication`). */
  clientWellKnown?: Yamlish;
}

export interface PartPlan {
  /** Settings deep-merged into a server's generated homeserver.yaml (before any --overlay). */
  homeserver?: Partial<Record<Role, Yamlish>>;
  /** Keys for the target file that `stack up` writes (KEY → value); they must be keys of src/config/target.ts, and secret ones must be listed by its targetSecrets(). */
  targetEnv?: Record<string, string>;
  /**
   * Settings for another part's generated config, by that part's name (PostgreSQL's database for MAS, Keycloak as
   * MAS's upstream provider). The launcher hands them to that part's plan (`receive`) before anything starts.
   */
  forParts?: Record<string, Yamlish>;
  /** Receives what the other parts' plans have for this part (`forParts`), in --with order, before any part starts. */
  receive?(settings: Yamlish[]): void;
  /** Routes and well-known keys for hs1's public entry (production topology). */
  ingress?: Ingress;
  /** Roles whose login this part takes over (MAS: hs1): no shared-secret admin is registered there, and the target file names none. */
  delegatesLogin?: Role[];
  /**
   * Starts the part's processes and resolves when they are ready. Call `track` for every process right after
   * spawning it, so a failed start still stops it. Throw UserError with a one-line fix on failure.
   */
  start(track: (p: PartProcess) => void): Promise<void>;
}

export interface StackPart {
  /** The name used with --with. */
  name: string;
  description: string;
  /** True when the homeservers need it up before they start (a database); otherwise it starts alongside them. */
  startsBeforeHomeservers?: boolean;
  /** True when its plan configures the homeservers (PartPlan.homeserver): it is prepared before they start, also when it starts in the background. */
  configuresHomeservers?: boolean;
  /**
   * Checks what the part needs from the user before anything is installed or started, with either launcher (e.g.
   * MAS: the user's own build, the production topology). Throws UserError with a one-line fix.
   */
  check?(o: { topology: "simple" | "production" }): void;
  /**
   * Installs what it needs on first use (ensure(), announced), before `prepare` or, for a part started in the
   * background (`mxaccept run`), before its start. Throws UserError with a one-line fix.
   */
  install?(log: (line: string) => void): Promise<void>;
  /** Chooses ports, writes config, checks what it needs (throws UserError with a one-line fix). Nothing runs yet. */
  prepare(ctx: PartContext): Promise<PartPlan>;
}
