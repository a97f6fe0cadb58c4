// Fills an instance with rooms for measuring the retention audit on a larger instance (README, "Retention").
//   npm run seed-rooms -- [--target .mxaccept/target.env] [--rooms 1000] [--concurrency 4]
// One run-tagged user (registered with the target's shared secret, rate limit lifted with the admin API) creates
// the rooms through the client-server API, each with its initial state and one message, so the audit has to page
// past state events as on a real instance. Test instances only: nothing removes the rooms but `mxaccept stack down`.
import { randomBytes } from "node:crypto";
import { loadTarget } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { requestJson } from "../src/matrix/http.ts";
import { scriptArgs } from "./script-args.ts";

const { values } = scriptArgs(`npm run seed-rooms -- [--target .mxaccept/target.env] [--rooms 1000] [--concurrency 4]
Fills a test instance with rooms (one message each) for measuring the retention audit on a larger instance.
  --target FILE      the target file (default .mxaccept/target.env, the embedded reference instance's);
                     needs MXACCEPT_REGISTRATION_SHARED_SECRET and MXACCEPT_ADMIN_TOKEN
  --rooms N          rooms to create (default 1000)
  --concurrency N    rooms created at a time (default 4)`, { target: { type: "string", default: ".mxaccept/target.env" }, rooms: { type: "string", default: "1000" }, concurrency: { type: "string", default: "4" } });
const target = loadTarget(values.target!);
if (target.caFile) trustCa(target.caFile);
if (!target.registrationSharedSecret || !target.adminToken) throw new Error(`${values.target}: needs MXACCEPT_REGISTRATION_SHARED_SECRET and MXACCEPT_ADMIN_TOKEN`);
const count = Number(values.rooms);
const d = Deployment.of(target).instance;
const user = await d.register({ username: `mxa-seed-${randomBytes(3).toString("hex")}`, password: randomBytes(12).toString("hex") });
await d.admin().overrideRatelimit(user.user_id);

const t0 = performance.now();
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const { body } = await requestJson<{ room_id: string }>(target.baseUrl, "POST", "_matrix/client/v3/createRoom", { token: user.access_token, body: { name: `seed room ${i}`, preset: "private_chat" } });
    await requestJson(target.baseUrl, "PUT", `_matrix/client/v3/rooms/${encodeURIComponent(body.room_id)}/send/m.room.message/seed${i}`, { token: user.access_token, body: { msgtype: "m.text", body: `seed message ${i}` } });
    if ((i + 1) % 100 === 0) console.error(`${i + 1} rooms`);
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
console.log(`created ${count} rooms with one message each as ${user.user_id} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
