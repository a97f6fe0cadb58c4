import { encryptAttachment, decryptAttachment, type IEncryptedFile } from "matrix-encrypt-attachment";
import type { TestUser } from "./users.ts";
import { matrixFetch, MatrixError } from "./http.ts";
import { scaled } from "./timeouts.ts";

/**
 * Attachments as Element clients send them: AES-CTR with a fresh key (matrix-encrypt-attachment), the
 * ciphertext uploaded as application/octet-stream without a file name, and the `file` object (key, iv, SHA-256
 * of the ciphertext, mxc url) inside the encrypted event. Downloads use authenticated media.
 */
export type EncryptedFile = IEncryptedFile & { url: string };

export async function upload(user: TestUser, bytes: Uint8Array, contentType = "application/octet-stream", filename?: string): Promise<string> {
  const a = await tryUpload(user, bytes, contentType, filename);
  if (!a.mxc) throw new MatrixError("POST", a.url, a.status, a.body);
  return a.mxc;
}

/** What an upload that may be refused (a quota, a size limit) answered: never thrown. */
export interface UploadAttempt {
  status: number;
  errcode?: string;
  error?: string;
  /** The stored file's URI; undefined when the server refused it. */
  mxc?: string;
  url: string;
  body: unknown;
}

export async function tryUpload(user: TestUser, bytes: Uint8Array, contentType = "application/octet-stream", filename?: string): Promise<UploadAttempt> {
  const url = new URL("_matrix/media/v3/upload", `${user.baseUrl}/`);
  if (filename) url.searchParams.set("filename", filename);
  const res = await matrixFetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.accessToken}`, "Content-Type": contentType },
    body: new Uint8Array(bytes),
    signal: AbortSignal.timeout(scaled(120_000)),
  });
  const body = (await res.json().catch(() => ({}))) as { content_uri?: string; errcode?: string; error?: string };
  const stored = res.ok && !!body.content_uri;
  return { status: res.status, errcode: body.errcode, error: body.error, mxc: stored ? body.content_uri : undefined, url: url.toString(), body };
}

export function parseMxc(mxc: string): { server: string; mediaId: string } {
  const m = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(mxc);
  if (!m) throw new Error(`not an mxc URI: ${mxc}`);
  return { server: m[1]!, mediaId: m[2]! };
}

/** Downloads media with the user's token (authenticated media, /_matrix/client/v1/media/download). */
export async function download(user: TestUser, mxc: string): Promise<{ status: number; bytes: Buffer }> {
  const { server, mediaId } = parseMxc(mxc);
  const url = new URL(`_matrix/client/v1/media/download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`, `${user.baseUrl}/`);
  const res = await matrixFetch(url, { headers: { Authorization: `Bearer ${user.accessToken}` }, signal: AbortSignal.timeout(scaled(120_000)) });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Encrypts and uploads; returns the `file` object for the event and the ciphertext that was uploaded. */
export async function uploadEncrypted(user: TestUser, plaintext: Uint8Array): Promise<{ file: EncryptedFile; ciphertext: Buffer }> {
  const copy = plaintext.buffer.slice(plaintext.byteOffset, plaintext.byteOffset + plaintext.byteLength) as ArrayBuffer;
  const { data, info } = await encryptAttachment(copy);
  const ciphertext = Buffer.from(data);
  const url = await upload(user, ciphertext);
  return { file: { ...info, url }, ciphertext };
}

/** Downloads the ciphertext of a `file` object and decrypts it (the SHA-256 of the ciphertext is verified). */
export async function downloadDecrypted(user: TestUser, file: EncryptedFile): Promise<Buffer> {
  const { status, bytes } = await download(user, file.url);
  if (status !== 200) throw new Error(`download of ${file.url} by ${user.userId} answered ${status}`);
  const plain = await decryptAttachment(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, file);
  return Buffer.from(plain);
}
