import { faker } from "@faker-js/faker/locale/de";
import { test, evidence } from "../../fixtures/index.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";

test("BUM-2.1.e the user directory finds a colleague by display name, and a room is found by its name", async ({ users, clients, rooms, tag }, testInfo) => {
  const [a] = await Promise.all([users.create("alice")]);
  // The colleague shares no room with alice: she must find him through the directory, not through a room.
  const name = `${faker.person.firstName()} ${faker.person.lastName()} ${tag.slice(-6)}`;
  const colleague = await users.create("colleague", { displayName: name });

  let found: { user_id: string; display_name?: string }[] = [];
  await waitFor(`the user directory finds ${colleague.userId} by "${name}"`, async (p) => {
    const { body } = await requestJson<{ results: { user_id: string; display_name?: string }[] }>(a.baseUrl, "POST", "_matrix/client/v3/user_directory/search", {
      token: a.accessToken,
      body: { search_term: name, limit: 10 },
    });
    found = body.results;
    if (found.some((r) => r.user_id === colleague.userId)) return true;
    p.note(`found [${found.map((r) => r.user_id).join(", ")}]`);
    return undefined;
  }, { timeoutMs: 20_000, until: true });

  // A room published in the room directory is found by (part of) its name.
  const alice = { user: a, client: await clients.start(a) };
  const roomName = `Projekt ${faker.word.noun()} ${tag.slice(-6)}`;
  const roomId = await rooms.group(alice, [], { name: roomName, visibility: "public" });
  const searcher = await users.create("searcher");
  await waitFor(`the room directory finds "${roomName}"`, async (p) => {
    const { body } = await requestJson<{ chunk: { room_id: string; name?: string }[] }>(searcher.baseUrl, "POST", "_matrix/client/v3/publicRooms", {
      token: searcher.accessToken,
      body: { filter: { generic_search_term: roomName.split(" ").slice(-1)[0] }, limit: 20 },
    });
    if (body.chunk.some((r) => r.room_id === roomId)) return true;
    p.note(`found [${body.chunk.map((r) => r.room_id).join(", ")}]`);
    return undefined;
  }, { timeoutMs: 20_000, until: true });

  await evidence(testInfo, { requirement: "BUM-2.1.e", searchedBy: a.userId, term: name, found: found.map((r) => r.user_id), room: { roomId, name: roomName } });
});
