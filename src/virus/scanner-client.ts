import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../config/paths.ts";
import { matrixFetch } from "../matrix/http.ts";
import { scaled } from "../matrix/timeouts.ts";
import { parseMxc, type EncryptedFile } from "../matrix/attachments.ts";
import type { TestUser } from "../matrix/users.ts";

/**
 * A client of the Matrix Content Scanner API (`/_matrix/media_proxy/unstable`), as the BundesMessenger apps use
 * it: plain downloads, thumbnails and scans by media id, and for encrypted attachments the `file` object (with the
 * file key) in the body of `download_encrypted` / `scan_encrypted`, either in clear or as `encrypted_body`
 * (encrypted to the scanner's public key). Every request carries the user's access token (authenticated media).
 */

const PREFIX = "_matrix/media_proxy/unstable";

export interface ScannerReply {
  status: number;
  /** The error code of a refusal (`MCS_MEDIA_NOT_CLEAN`, …) or of the homeserver behind it. */
  reason?: string;
  info?: string;
  /** The body, when the scanner served media. */
  bytes?: Buffer;
}

export interface ScanResult {
  status: number;
  clean?: boolean;
  info?: string;
  reason?: string;
}

/** What a client shows for a scan result (Element Android: TRUSTED / INFECTED / UNKNOWN; BuM shows "blocked"). */
export type ScanState = "trusted" | "blocked" | "unknown";

export function scanState(r: ScanResult | ScannerReply): ScanState {
  if ("clean" in r && r.clean === true) return "trusted";
  if (("clean" in r && r.clean === false) || r.reason === "MCS_MEDIA_NOT_CLEAN") return "blocked";
  return "unknown";
}

/** A request body for the encrypted routes: the `file` object in clear, or encrypted to the scanner's key. */
export type EncryptedRequest = { file: EncryptedFile } | { encrypted_body: { ciphertext: string; mac: string; ephemeral: string } };

export class ContentScanner {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  #url(path: string): URL {
    return new URL(`${PREFIX}/${path}`, `${this.baseUrl}/`);
  }

  async #send(user: TestUser | undefined, url: URL, init: RequestInit = {}): Promise<ScannerReply> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (user) headers.Authorization = `Bearer ${user.accessToken}`;
    const res = await matrixFetch(url, { ...init, headers, signal: AbortSignal.timeout(scaled(180_000)) });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status === 200) return { status: 200, bytes };
    let body: { reason?: string; errcode?: string; info?: string; error?: string } = {};
    try {
      body = JSON.parse(bytes.toString("utf8"));
    } catch {
      body = { info: bytes.toString("utf8").slice(0, 200) };
    }
    return { status: res.status, reason: body.reason ?? body.errcode, info: body.info ?? body.error };
  }

  download(user: TestUser, mxc: string): Promise<ScannerReply> {
    const { server, mediaId } = parseMxc(mxc);
    return this.#send(user, this.#url(`download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`));
  }

  thumbnail(user: TestUser, mxc: string, size = { width: 32, height: 32 }): Promise<ScannerReply> {
    const { server, mediaId } = parseMxc(mxc);
    const url = this.#url(`thumbnail/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`);
    url.searchParams.set("width", String(size.width));
    url.searchParams.set("height", String(size.height));
    url.searchParams.set("method", "scale");
    return this.#send(user, url);
  }

  async scan(user: TestUser, mxc: string): Promise<ScanResult> {
    const { server, mediaId } = parseMxc(mxc);
    return this.#scanReply(await this.#send(user, this.#url(`scan/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`)));
  }

  downloadEncrypted(user: TestUser, body: EncryptedRequest): Promise<ScannerReply> {
    return this.#send(user, this.#url("download_encrypted"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  async scanEncrypted(user: TestUser, body: EncryptedRequest): Promise<ScanResult> {
    return this.#scanReply(await this.#send(user, this.#url("scan_encrypted"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }));
  }

  #scanReply(r: ScannerReply): ScanResult {
    if (r.status !== 200) return { status: r.status, reason: r.reason, info: r.info };
    const body = JSON.parse(r.bytes!.toString("utf8")) as { clean?: boolean; info?: string };
    return { status: 200, clean: body.clean, info: body.info };
  }

  async publicKey(): Promise<string> {
    const r = await this.#send(undefined, this.#url("public_key"));
    if (r.status !== 200) throw new Error(`GET ${this.baseUrl}/${PREFIX}/public_key answered ${r.status} ${r.reason ?? ""}`);
    return (JSON.parse(r.bytes!.toString("utf8")) as { public_key: string }).public_key;
  }

  /** `{encrypted_body}` for a `file` object: the JSON `{file}` encrypted to the scanner's current public key. */
  async encryptedBody(file: EncryptedFile): Promise<EncryptedRequest> {
    return { encrypted_body: pkEncrypt(await this.publicKey(), JSON.stringify({ file })) };
  }
}

/** PkEncryption to a Curve25519 public key, with the vodozemac bindings in the project venv (stack/scanner/pk_encrypt.py). */
export function pkEncrypt(publicKey: string, plaintext: string): { ciphertext: string; mac: string; ephemeral: string } {
  const py = join(projectRoot(), ".venv", "bin", "python");
  const r = spawnSync(py, [join(projectRoot(), "stack", "scanner", "pk_encrypt.py")], { input: JSON.stringify({ public_key: publicKey, plaintext }), encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`pk_encrypt.py failed (${r.status}): ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}; run 'npm run setup' (it installs vodozemac into the venv)`);
  return JSON.parse(r.stdout) as { ciphertext: string; mac: string; ephemeral: string };
}
