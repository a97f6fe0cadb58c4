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
  log(line: string): void;
}

export interface PartPlan {
  /** Settings deep-merged into a server's generated homeserver.yaml (before any --overlay). */
  homeserver?: Partial<Record<Role, Yamlish>>;
  /** Keys for the target file that `stack up` writes (KEY → value); they must be keys of src/config/target.ts, and secret ones must be listed by its targetSecrets(). */
  targetEnv?: Record<string, string>;
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
   * Installs what it needs on first use (ensure(), announced), before `prepare` or, for a part started in the
   * background (`mxaccept run`), before its start. Throws UserError with a one-line fix.
   */
  install?(log: (line: string) => void): Promise<void>;
  /** Chooses ports, writes config, checks what it needs (throws UserError with a one-line fix). Nothing runs yet. */
  prepare(ctx: PartContext): Promise<PartPlan>;
}
