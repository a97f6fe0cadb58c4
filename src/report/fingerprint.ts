import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import type { Deployment } from "../matrix/deployment.ts";
import { requestJson } from "../matrix/http.ts";

/**
 * The configuration fingerprint of the acceptance record: a SHA-256 over what the harness can see of the
 * instance's configuration, with the list of what went into it. Captured by `mxaccept run` while the instance is
 * up (reports/<run>/instance.json), so `mxaccept report` can render it later.
 *
 * Inputs (each one is hashed on its own; missing ones are listed with why):
 *   server-version      GET /_matrix/federation/v1/version
 *   client-versions     GET /_matrix/client/versions
 *   well-known-client   GET https://<server name>/.well-known/matrix/client
 *   well-known-server   GET https://<server name>/.well-known/matrix/server
 *   media-config        GET /_matrix/client/v1/media/config (admin token)
 *   federation-allowlist GET /_synapse/client/v1/config/federation_whitelist (admin token; 404 unless exposed)
 *   homeserver.yaml     the embedded instance's hs1 config, without secrets and per-start paths
 * Server names of the target, partner and outsider are replaced by "hs1", "hs2", "hs3" before hashing, so the
 * embedded instance (fresh ports at every start) has the same fingerprint for the same configuration.
 */

export interface FingerprintInput {
  name: string;
  source: string;
  /** SHA-256 of the input's canonical JSON, or undefined when it could not be read. */
  sha256?: string;
  unavailable?: string;
}

export interface InstanceInfo {
  capturedAt: string;
  baseUrl: string;
  serverName: string;
  fingerprint: string;
  inputs: FingerprintInput[];
}

/** JSON with sorted keys, so equal content hashes equally. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** Keys of homeserver.yaml that hold secrets or per-start paths: not part of the configuration's identity. */
const VOLATILE_KEYS = [
  "registration_shared_secret", "macaroon_secret_key", "form_secret", "pid_file", "signing_key_path", "media_store_path",
  "log_config", "tls_certificate_path", "tls_private_key_path", "federation_custom_ca_list", "database",
];

export function normalizeHomeserver(config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  for (const k of VOLATILE_KEYS) delete out[k];
  if (Array.isArray(out.listeners)) out.listeners = (out.listeners as Record<string, unknown>[]).map(({ port: _port, ...rest }) => rest);
  return out;
}

export function fingerprintOf(inputs: FingerprintInput[]): string {
  return sha256(inputs.filter((i) => i.sha256).map((i) => `${i.name}=${i.sha256}`).join("\n"));
}

export async function captureInstance(d: Deployment): Promise<InstanceInfo> {
  const target = d.target;
  const names: [string, string][] = [[target.serverName, "hs1"]];
  if (target.partner) names.push([target.partner.serverName, "hs2"]);
  if (target.outsider) names.push([target.outsider.serverName, "hs3"]);
  const anonymize = (v: unknown) => {
    let s = canonical(v);
    for (const [name, role] of names) s = s.split(name).join(role);
    return s;
  };
  const viaHttp = async (name: string, base: string, path: string, token?: string): Promise<FingerprintInput> => {
    const source = `GET ${new URL(path, base.endsWith("/") ? base : `${base}/`).pathname}`;
    if (token === "") return { name, source, unavailable: "no admin token in the target file" };
    try {
      const { body } = await requestJson(base, "GET", path, { token, timeoutMs: 10_000 });
      return { name, source, sha256: sha256(anonymize(body)) };
    } catch (e) {
      const status = (e as { status?: number }).status;
      return { name, source, unavailable: status ? `HTTP ${status}` : (e as Error).message.split(": ").pop()! };
    }
  };
  const admin = d.instance.adminToken ?? "";
  const origin = `https://${target.serverName}`;
  const inputs = await Promise.all([
    viaHttp("server-version", target.baseUrl, "_matrix/federation/v1/version"),
    viaHttp("client-versions", target.baseUrl, "_matrix/client/versions"),
    viaHttp("well-known-client", origin, ".well-known/matrix/client"),
    viaHttp("well-known-server", origin, ".well-known/matrix/server"),
    viaHttp("media-config", target.baseUrl, "_matrix/client/v1/media/config", admin),
    viaHttp("federation-allowlist", target.baseUrl, "_synapse/client/v1/config/federation_whitelist", admin),
  ]);
  // The instance's effective configuration where the target gives it as one file (MXACCEPT_HOMESERVER_CONFIG; the
  // reference's target file names hs1's): a folder of fragments has no single canonical form to hash.
  const files = target.homeserverConfig?.split(",").map((f) => f.trim()).filter(Boolean) ?? [];
  const hsYaml = files.length === 1 && /\.ya?ml$/.test(files[0]!) && existsSync(files[0]!) ? files[0] : undefined;
  if (hsYaml) {
    const config = normalizeHomeserver(parse(readFileSync(hsYaml, "utf8")) as Record<string, unknown>);
    inputs.push({ name: "homeserver.yaml", source: "the instance's homeserver.yaml (MXACCEPT_HOMESERVER_CONFIG, without secrets, paths, ports)", sha256: sha256(anonymize(config)) });
  } else {
    inputs.push({ name: "homeserver.yaml", source: "the instance's homeserver.yaml", unavailable: files.length ? "MXACCEPT_HOMESERVER_CONFIG names more than one file or no YAML file" : "not given (MXACCEPT_HOMESERVER_CONFIG)" });
  }
  return { capturedAt: new Date().toISOString(), baseUrl: target.baseUrl, serverName: target.serverName, fingerprint: fingerprintOf(inputs), inputs };
}
