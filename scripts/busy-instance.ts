/**
 * Makes a test instance busy the way a real one is, for the portal journeys (BUM-2.7.app): hundreds of rooms and
 * users whose names sort before the run's (`a-busy-…` before `mxa-…`), so the run's own room and user are never
 * on a list's first page and a portal must find them with its search. Not part of npm test.
 *   npm run busy-instance -- [--target FILE] [--rooms 500] [--users 500] [--concurrency 4]
 * Default target: the embedded reference instance (.mxaccept/target.env). Needs MXACCEPT_ADMIN_TOKEN. Idempotent:
 * counts what is there and adds only the missing. Refuses a target without MXACCEPT_DESTRUCTIVE=allow (a test
 * instance). The objects stay (they are the instance's background, not a run's data); remove them with the admin
 * API (rooms: DELETE /_synapse/admin/v2/rooms/…; users: deactivate) or drop the instance.
 */
import { join } from "node:path";
import { loadTarget } from "../src/config/target.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { mapPool } from "../src/matrix/pool.ts";
import { trustCa } from "../src/config/trust.ts";
import { stateDir } from "../src/config/paths.ts";
import { requestJson } from "../src/matrix/http.ts";
import { scriptArgs } from "./script-args.ts";

const { values } = scriptArgs(`npm run busy-instance -- [--target FILE] [--rooms 500] [--users 500] [--concurrency 4]
Makes a test instance busy (users a-busy-…, rooms "a busy room …") for the portal journeys; idempotent.
  --target FILE      the target file (default: the embedded reference instance's, .mxaccept/target.env);
                     needs MXACCEPT_ADMIN_TOKEN and MXACCEPT_DESTRUCTIVE=allow
  --rooms N          rooms the instance should have (default 500)
  --users N          users the instance should have (default 500)
  --concurrency N    requests at a time (default 4)`, {
  target: { type: "string", default: join(stateDir(), "target.env") },
  rooms: { type: "string", default: "500" },
  users: { type: "string", default: "500" },
  concurrency: { type: "string", default: "4" },
});

const target = loadTarget(values.target!);
if (target.caFile) trustCa(target.caFile);
if (!target.adminToken) throw new Error(`${values.target} names no MXACCEPT_ADMIN_TOKEN: the busy instance is made with the admin API`);
if (!target.destructive) throw new Error(`${values.target} is not a test instance (MXACCEPT_DESTRUCTIVE=allow): refusing to add hundreds of rooms and users`);
const admin = Deployment.of(target).instance.admin();
const wantRooms = Number(values.rooms);
const wantUsers = Number(values.users);
const concurrency = Number(values.concurrency);
const pad = (n: number) => String(n).padStart(4, "0");
const enc = encodeURIComponent;

/** Runs `fn` over the items, `concurrency` at a time (the one pool, src/matrix/pool.ts); an item that fails is tried up to three times. */
async function pool(items: number[], fn: (i: number) => Promise<void>): Promise<void> {
  await mapPool(items, concurrency, async (item) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(item);
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  });
}

const t0 = performance.now();
// Users: created by the admin API without a password (no hashing), named a-busy-NNNN.
const { body: existingUsers } = await admin.request<{ total: number }>("GET", "_synapse/admin/v2/users", { query: { name: "a-busy-", limit: 1, guests: false } });
const userTodo = Array.from({ length: wantUsers }, (_, i) => i + 1).slice(existingUsers.total);
await pool(userTodo, async (i) => {
  await admin.putUser(`@a-busy-${pad(i)}:${target.serverName}`, { displayname: `A Busy ${pad(i)}` });
});
const usersMs = performance.now() - t0;

// Rooms: each created by its own busy user (room creation is rate-limited per user, also with the admin's
// rate-limit override), with a token from the admin API's login-as-user; the owner is the only member.
const { body: existingRooms } = await admin.request<{ total_rooms: number }>("GET", "_synapse/admin/v1/rooms", { query: { search_term: "a busy room", limit: 1 } });
const roomTodo = Array.from({ length: wantRooms }, (_, i) => i + 1).slice(existingRooms.total_rooms);
const t1 = performance.now();
await pool(roomTodo, async (i) => {
  const owner = `@a-busy-${pad(i)}:${target.serverName}`;
  await admin.putUser(owner, { displayname: `A Busy ${pad(i)}` });
  const { body: login } = await admin.request<{ access_token: string }>("POST", `_synapse/admin/v1/users/${enc(owner)}/login`, { body: {} });
  await requestJson(target.baseUrl, "POST", "_matrix/client/v3/createRoom", { token: login.access_token, body: { name: `a busy room ${pad(i)}`, preset: "private_chat" }, timeoutMs: 180_000 });
});
const roomsMs = performance.now() - t1;

const { body: totalsUsers } = await admin.request<{ total: number }>("GET", "_synapse/admin/v2/users", { query: { limit: 1 } });
const { body: totalsRooms } = await admin.request<{ total_rooms: number }>("GET", "_synapse/admin/v1/rooms", { query: { limit: 1 } });
console.log(`busy instance ${target.baseUrl}: +${userTodo.length} users in ${(usersMs / 1000).toFixed(1)} s, +${roomTodo.length} rooms in ${(roomsMs / 1000).toFixed(1)} s; now ${totalsUsers.total} users, ${totalsRooms.total_rooms} rooms`);
