import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import { reportsDir } from "../config/paths.ts";
import type { Deployment, Server } from "../matrix/deployment.ts";
import { ensureRunAdmin } from "../matrix/run-admin.ts";
import { requestJson } from "../matrix/http.ts";
import { Ledger } from "../matrix/ledger.ts";
import { cleanupRun } from "../matrix/cleanup.ts";
import { PlainBot } from "../matrix/plain-bot.ts";
import { newRunId, runTag } from "../config/run-id.ts";
import { UserFactory, type TestUser } from "../matrix/users.ts";

/**
 * The canary's two accounts and their direct chat, kept in a state file next to the probe log
 * (`<log>.state.json`, mode 0600: it holds passwords and tokens; the log holds none). A restarted prober
 * resumes with the same users and room: it logs out the old devices and logs in fresh ones, since the
 * end-to-end keys of a device live only in the prober's memory.
 */
export interface ProbeState {
  version: 1;
  runId: string;
  baseUrl: string;
  serverName: string;
  roomId: string;
  sender: TestUser;
  receiver: TestUser;
}

export function stateFileFor(logFile: string): string {
  return `${logFile}.state.json`;
}

function writeProbeState(file: string, state: ProbeState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readProbeState(file: string): ProbeState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as ProbeState;
    return s.version === 1 && s.roomId && s.sender?.userId && s.receiver?.userId ? s : undefined;
  } catch {
    throw new UserError(`probe state ${file} is not readable JSON: remove it (the canary then creates new users) or restore it.`);
  }
}

/**
 * Whose run the canary's users belong to: by default a run of its own (ledger in reports/<runId>/, so
 * `mxaccept cleanup --run <runId>` removes them); a scenario hands over the two users and the encrypted direct chat
 * its fixtures made (recorded in its run's ledger there), and the canary only uses them.
 */
export interface ProbeIdentity {
  runId: string;
  sender: TestUser;
  receiver: TestUser;
  roomId: string;
}

/**
 * Creates the two run-tagged users and an encrypted direct chat between them, in a run of the canary's own. When
 * that fails part-way, what it created is removed before the error propagates.
 */
async function createState(d: Deployment, identity?: ProbeIdentity): Promise<ProbeState> {
  const s = d.instance;
  if (identity) {
    await requestJson(s.clientUrl, "POST", `_matrix/client/v3/join/${encodeURIComponent(identity.roomId)}`, { token: identity.receiver.accessToken, body: {} });
    return { version: 1, runId: identity.runId, baseUrl: s.clientUrl, serverName: s.serverName, roomId: identity.roomId, sender: identity.sender, receiver: identity.receiver };
  }
  const runId = newRunId();
  const ledger = new Ledger(join(reportsDir(), runId, "ledger.jsonl"));
  let own = d;
  try {
    // The canary's own admin where the target names none (recorded, so its cleanup removes it).
    own = d.with({ adminTokens: { instance: await ensureRunAdmin(s, runId, ledger, "probe-admin") } });
    return await createStateIn(own, runId, ledger);
  } catch (e) {
    const results = await cleanupRun(own, runId, ledger.file).catch((c: Error) => [{ server: s.serverName, errors: [c.message] }]);
    const failed = results.flatMap((r) => r.errors);
    if (failed.length) throw new UserError(`the canary could not be set up (${(e as Error).message}), and removing what it created failed (${failed[0]}): run 'mxaccept cleanup --run ${runId}'.`);
    throw e;
  }
}

async function createStateIn(d: Deployment, runId: string, ledger: Ledger): Promise<ProbeState> {
  const s = d.instance;
  const factory = new UserFactory(s, runId, ledger);
  const sender = await factory.create("canary-sender", { test: "availability canary" });
  const receiver = await factory.create("canary-receiver", { test: "availability canary" });
  const { body } = await requestJson<{ room_id: string }>(s.clientUrl, "POST", "_matrix/client/v3/createRoom", {
    token: sender.accessToken,
    body: {
      preset: "trusted_private_chat",
      is_direct: true,
      invite: [receiver.userId],
      name: `${runTag(runId)}canary`,
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    },
  });
  ledger.record({ kind: "room", id: body.room_id, server: s.serverName, test: "availability canary" });
  await requestJson(s.clientUrl, "POST", `_matrix/client/v3/join/${encodeURIComponent(body.room_id)}`, { token: receiver.accessToken, body: {} });
  return { version: 1, runId, baseUrl: s.clientUrl, serverName: s.serverName, roomId: body.room_id, sender, receiver };
}

async function relogin(s: Server, user: TestUser): Promise<TestUser> {
  // The old device's keys are gone with the old process: retire it (errors ignored: it may already be gone).
  await requestJson(user.baseUrl, "POST", "_matrix/client/v3/logout", { token: user.accessToken, body: {}, accept: [401, 403], timeoutMs: 10_000 }).catch(() => undefined);
  const session = await s.users.login(user.localpart, user.password, "mxaccept canary");
  return { ...user, accessToken: session.accessToken, deviceId: session.deviceId };
}

export interface ProbeSession {
  state: ProbeState;
  sender: PlainBot;
  receiver: PlainBot;
  resumed: boolean;
  stop(): void;
}

/**
 * Opens the canary's session: resumes the state next to the log (fresh devices), or creates users and room.
 * `fresh` forces new devices also when the state was just created in this process (after a 401).
 */
export async function openSession(d: Deployment, logFile: string, fresh = false, identity?: ProbeIdentity): Promise<ProbeSession> {
  const target = d.instance.hs;
  const file = stateFileFor(logFile);
  let state = readProbeState(file);
  const resumed = !!state;
  if (state && state.baseUrl !== target.baseUrl) {
    throw new UserError(`probe state ${file} belongs to ${state.baseUrl}, not ${target.baseUrl}: use another --out for this target.`);
  }
  if (!state) {
    state = await createState(d, identity);
    writeProbeState(file, state);
  }
  if (resumed || fresh) {
    state = { ...state, sender: await relogin(d.instance, state.sender), receiver: await relogin(d.instance, state.receiver) };
    writeProbeState(file, state);
  }
  const sender = await PlainBot.start(state.sender);
  const receiver = await PlainBot.start(state.receiver);
  await receiver.waitJoined(state.roomId);
  return {
    state, sender, receiver, resumed,
    stop() {
      sender.stop();
      receiver.stop();
    },
  };
}
