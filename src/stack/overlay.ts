/**
 * Deep merge used for `--overlay`: mappings merge key by key, everything else (lists, scalars) replaces,
 * and a `null` in the overlay removes the key (e.g. `retention: null`). Inputs are not modified.
 * One exception: lists of named items (every item a mapping with the same string key) merge item by item by that
 * key. For homeserver.yaml the key is `idp_id` (SSO providers, as in `oidc_providers`), so an overlay can change
 * one setting of a provider whose issuer the stack chose. MAS's config (`--overlay-mas`) also merges its listeners
 * and their resources by `name`, its clients by `client_id` and its upstream providers by `id` (MAS_LIST_KEYS),
 * so an overlay can add `adminapi` to the listener `web` without restating ports and certificates.
 */
export type Yamlish = Record<string, unknown>;

/** Keys that identify the items of a list for the merge, by config kind. */
export const HOMESERVER_LIST_KEYS = ["idp_id"] as const;
export const MAS_LIST_KEYS = ["idp_id", "name", "client_id", "id"] as const;

function isMapping(v: unknown): v is Yamlish {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Yamlish, overlay: Yamlish, listKeys: readonly string[] = HOMESERVER_LIST_KEYS): Yamlish {
  const out: Yamlish = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const itemKey = listKeys.find((k) => isKeyedList(value, k) && isKeyedList(out[key], k));
    if (value === null) {
      delete out[key];
    } else if (isMapping(value) && isMapping(out[key])) {
      out[key] = deepMerge(out[key] as Yamlish, value, listKeys);
    } else if (itemKey && Array.isArray(value)) {
      const patches = value as Yamlish[];
      const merged = (out[key] as Yamlish[]).map((item) => {
        const patch = patches.find((v) => v[itemKey] === item[itemKey]);
        return patch ? deepMerge(item, patch, listKeys) : structuredClone(item);
      });
      out[key] = [...merged, ...patches.filter((v) => !merged.some((m) => m[itemKey] === v[itemKey])).map((v) => structuredClone(v))];
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function isKeyedList(v: unknown, key: string): v is Yamlish[] {
  return Array.isArray(v) && v.length > 0 && v.every((i) => isMapping(i) && typeof i[key] === "string");
}

export { isMapping };
