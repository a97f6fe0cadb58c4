import { createClient, ClientEvent, SyncState, type MatrixClient } from "matrix-js-sdk";
import type { Logger } from "matrix-js-sdk/lib/logger.js";
import loglevel from "loglevel";
import type { TestUser } from "./users.ts";
import { matrixFetch, requestJson } from "./http.ts";
import { logSdk, nameToken } from "./client-log.ts";
import { scaled, waitFor } from "./timeouts.ts";

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

/** Waits for the client's first sync, 60 s × MXACCEPT_TIMEOUT_FACTOR; the timeout names the last /sync failure. */
export async function waitForSyncPrepared(client: MatrixClient, timeoutMs = 60_000): Promise<void> {
  if (client.isInitialSyncComplete()) return;
  let lastError = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(ClientEvent.Sync, onSync);
      reject(new Error(`initial sync of ${client.getUserId()} did not complete in ${scaled(timeoutMs)} ms${lastError ? `: the last /sync failed with ${lastError}` : ""}`));
    }, scaled(timeoutMs));
    const onSync = (state: SyncState, _prev: SyncState | null, data?: { error?: Error & { httpStatus?: number; errcode?: string } }) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        clearTimeout(timer);
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        // keep waiting: the SDK retries; the timer bounds it. What the server answered goes into the reason.
        const e = data?.error;
        if (e) lastError = `${e.httpStatus ? `HTTP ${e.httpStatus}` : "no HTTP answer"}${e.errcode ? ` ${e.errcode}` : ""} (${e.message.split("\n")[0]})`;
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

/** Waits until the server publishes this device's identity keys (so others can encrypt to it). */
export async function waitForDeviceKeys(user: TestUser, timeoutMs = 30_000): Promise<void> {
  await waitFor(`device keys of ${user.userId}/${user.deviceId} to be published`, async () => {
    const { body } = await requestJson<{ device_keys: Record<string, Record<string, unknown>> }>(user.baseUrl, "POST", "_matrix/client/v3/keys/query", {
      token: user.accessToken,
      body: { device_keys: { [user.userId]: [user.deviceId] } },
    });
    return body.device_keys[user.userId]?.[user.deviceId] ? true : undefined;
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
