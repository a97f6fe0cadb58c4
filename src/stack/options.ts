import type { Role } from "./generate.ts";
import type { Topology } from "./topology/production.ts";

/** How `stack up` (and a `run` that starts its own instance) starts the embedded reference instance. */
export interface StackOptions {
  stateDir: string;
  profile: string;
  overlays?: Partial<Record<Role, string>>;
  /** YAML files deep-merged into a part's generated config, by part (`--overlay-mas F`: MAS's config.yaml). */
  partOverlays?: Record<string, string>;
  with?: string[];
  timeScale?: number;
  sizeScale?: number;
  /** Replaces the contract's group size limit on the reference instance (--group-limit N). */
  groupSizeLimit?: number;
  /** The implementation of hs1 (--server): Synapse (default) or Dendrite 0.13.8, built on first use. */
  server?: "synapse" | "dendrite";
  /** Progress lines (for the CLI); silent when absent. */
  log?: (line: string) => void;
  /** simple (default): three single Synapse processes; production: hs1 with workers, Redis, PostgreSQL and nginx. */
  topology?: Topology;
  /** nginx directives included first in hs1's public server block (production topology only). */
  nginxOverlay?: string;
  /**
   * Parts (of `with`) that install and start in the background once the homeservers are up (`mxaccept run`):
   * stackUp returns then, and their state is in parts-ready.json (src/stack/part-status.ts). A part that
   * configures the homeservers (Keycloak: hs1's OIDC provider) is still prepared (installed) before them; only
   * its start is in the background.
   */
  later?: string[];
  /** Aborted when the run is interrupted: a background part starts nothing more, and stops what it starts. */
  signal?: AbortSignal;
}
