import type { StackPart } from "../parts.ts";
import { scanner } from "./scanner.ts";
import { postgresPart } from "./postgres.ts";
import { keycloakPart } from "./keycloak.ts";
import { masPart } from "./mas.ts";

/** Every optional part of the reference instance, by its --with name. Add a part with one line here. */
export const PARTS: Record<string, StackPart> = {
  scanner,
  postgres: postgresPart,
  keycloak: keycloakPart,
  mas: masPart,
};

/** Parts that are planned but not built yet, with what they are (for a helpful error). */
export const PLANNED_PARTS: Record<string, string> = {};
