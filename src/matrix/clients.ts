import { createClient, type MatrixClient } from "matrix-js-sdk";
import type { Logger } from "matrix-js-sdk/lib/logger.js";
import loglevel from "loglevel";
import type { TestUser } from "./users.ts";
import { matrixFetch, requestJson } from "./http.ts";
import { logSdk, nameToken } from "./client-log.ts";
import { waitFor } from "./timeouts.ts";
import { syncUntil, initialSyncDone } from "./sync.ts";

/**
 * E2EE clients: matrix-js-sdk with its Rust crypto (WASM) in Node, in-memory crypto store, one fresh device per
 * client (the device the user factory created), requests through the harness's 429-aware fetch.
 */

/**
 * matrix-js-sdk also logs through a global `loglevel` logger (not the client's). Unless MXACCEPT_SDK_LOG=1,
 * its "matrix…" loggers are made silent, including the ones it creates later.
 */
function silenceGlobalSdkLogger(): void {
  if (process.env.MXACCEPT_SDK_LOG === "1") return;
  const original = loglevel.methodFactory;
  const silent: typeof original = function (this: unknown, method, level, name) {
    return typeof name === "string" && name.startsWith("matrix") ? () => {} : original.call(this as never, method, level, name);
  };
  loglevel.methodFactory = silent;
  for (const [name, l] of Object.entries(loglevel.getLoggers())) {
    if (name.startsWith("matrix")) {
      l.methodFactory = silent;
      l.rebuild();
    }
  }
}
silenceGlobalSdkLogger();

/** The SDK's log lines go to stderr with MXACCEPT_SDK_LOG=1 (prefixed with the user); warnings and errors always into the client log. */
function sdkLogger(prefix: string): Logger {
  const on = process.env.MXACCEPT_SDK_LOG === "1";
  const line = (level: string) => (...msg: unknown[]) => {
    if (on) console.error(`[${prefix}]`, ...msg);
    // Warnings and errors also go into the client log a failed check attaches.
    if (level === "warn" || level === "error") logSdk(prefix, level, msg);
  };
  const l: Logger = { trace: line("trace"), debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error"), getChild: (ns: string) => sdkLogger(`${prefix} ${ns}`) };
  return l;
}

/**
 * Waits for the client's first sync, 60 s × MXACCEPT_TIMEOUT_FACTOR (`syncUntil` with `initialSyncDone`): the
 * timeout names the sync states seen and the last /sync failure (status, errcode).
 */
export async function waitForSyncPrepared(client: MatrixClient, timeoutMs = 60_000): Promise<void> {
  await syncUntil(client, initialSyncDone(client.getUserId() ?? "the client"), { timeoutMs });
}

/** Waits until the server publishes this device's identity keys (so others can encrypt to it). */
export async function waitForDeviceKeys(user: TestUser, timeoutMs = 30_000): Promise<void> {
  await waitFor(`device keys of ${user.userId}/${user.deviceId} to be published`, async (p) => {
    const { body } = await requestJson<{ device_keys: Record<string, Record<string, unknown>> }>(user.baseUrl, "POST", "_matrix/client/v3/keys/query", {
      token: user.accessToken,
      body: { device_keys: { [user.userId]: [user.deviceId] } },
    });
    if (body.device_keys[user.userId]?.[user.deviceId]) return true;
    p.note(`keys of devices [${Object.keys(body.device_keys[user.userId] ?? {}).join(", ")}]`);
    return undefined;
  }, { timeoutMs });
}

export async function startE2eeClient(user: TestUser): Promise<MatrixClient> {
  nameToken(user.accessToken, user.userId);
  const client = createClient({
    logger: sdkLogger(user.userId),
    baseUrl: user.baseUrl,
    accessToken: user.accessToken,
    userId: user.userId,
    deviceId: user.deviceId,
    fetchFn: matrixFetch,
  });
  await client.initRustCrypto({ useIndexedDB: false });
  await client.startClient({ initialSyncLimit: 20 });
  try {
    await waitForSyncPrepared(client);
    await waitForDeviceKeys(user);
  } catch (e) {
    client.stopClient();
    throw e;
  }
  return client;
}

export function stopClient(client: MatrixClient): void {
  client.stopClient();
}
