/**
 * Deep merge used for `--overlay`: mappings merge key by key, everything else (lists, scalars) replaces,
 * and a `null` in the overlay removes the key (e.g. `retention: null`). Inputs are not modified.
 * One exception: lists of SSO providers (every item a mapping with an `idp_id`, as in `oidc_providers`) merge
 * item by item by idp_id, so an overlay can change one setting of a provider whose issuer the stack chose.
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
    } else if (isProviderList(value) && isProviderList(out[key])) {
      const merged = (out[key] as Yamlish[]).map((item) => {
        const patch = value.find((v) => v.idp_id === item.idp_id);
        return patch ? deepMerge(item, patch) : structuredClone(item);
      });
      out[key] = [...merged, ...value.filter((v) => !merged.some((m) => m.idp_id === v.idp_id)).map((v) => structuredClone(v))];
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function isProviderList(v: unknown): v is Yamlish[] {
  return Array.isArray(v) && v.length > 0 && v.every((i) => isMapping(i) && typeof i.idp_id === "string");
}

export { isMapping };
