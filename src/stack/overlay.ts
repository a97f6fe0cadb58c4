/**
 * Deep merge used for `--overlay`: mappings merge key by key, everything else (lists, scalars) replaces,
 * and a `null` in the overlay removes the key (e.g. `retention: null`). Inputs are not modified.
 */
export type Yamlish = Record<string, unknown>;

function isMapping(v: unknown): v is Yamlish {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Yamlish, overlay: Yamlish): Yamlish {
  const out: Yamlish = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) {
      delete out[key];
    } else if (isMapping(value) && isMapping(out[key])) {
      out[key] = deepMerge(out[key] as Yamlish, value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

export { isMapping };
