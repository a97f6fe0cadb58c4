import { PollStartEvent } from "matrix-js-sdk/lib/extensible_events_v1/PollStartEvent.js";
import { PollResponseEvent } from "matrix-js-sdk/lib/extensible_events_v1/PollResponseEvent.js";
import { PollEndEvent } from "matrix-js-sdk/lib/extensible_events_v1/PollEndEvent.js";
import { M_POLL_KIND_DISCLOSED } from "matrix-js-sdk";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { tallyPoll, POLL_START, type PollEventLike } from "../../src/matrix/poll-tally.ts";

test("BUM-2.1.g poll: start, answers from several members, end; every member counts the same tally", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["alice", "bob", "carol"].map((n) => users.create(n)));
  const members = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const [alice, bob, carol] = members as [typeof members[0], typeof members[0], typeof members[0]];
  const roomId = await rooms.group(alice, [bob, carol]);

  const start = PollStartEvent.from("Termin für die Übung?", ["Montag", "Dienstag"], M_POLL_KIND_DISCLOSED, 1).serialize();
  const startId = await send(alice, roomId, start.content as Record<string, unknown>, start.type);
  const answers = (start.content as Record<string, { answers: { id: string }[] }>)[POLL_START]!.answers.map((a) => a.id);
  const [monday, tuesday] = answers as [string, string];
  const answer = async (m: typeof alice, id: string) => {
    const r = PollResponseEvent.from([id], startId).serialize();
    return send(m, roomId, r.content as Record<string, unknown>, r.type);
  };
  const sent = [
    await answer(alice, monday),
    await answer(bob, monday),
    await answer(bob, tuesday), // bob changes his mind: his latest answer counts
    await answer(carol, tuesday),
  ];
  const end = PollEndEvent.from(startId, "Umfrage beendet").serialize();
  const endId = await send(alice, roomId, end.content as Record<string, unknown>, end.type);
  const late = await answer(carol, monday); // after the end: does not count

  const expected = { [monday]: 1, [tuesday]: 2 };
  const tallies: Record<string, Record<string, number>> = {};
  for (const m of members) {
    const ids = [startId, ...sent, endId, late];
    const evs = await everyoneDecrypts([m], roomId, ids[0]!).then(async ([s]) => [s!, ...(await Promise.all(ids.slice(1).map(async (id) => (await everyoneDecrypts([m], roomId, id))[0]!)))]);
    const like: PollEventLike[] = evs.map((e) => ({ type: e.getType(), sender: e.getSender()!, ts: e.getTs(), content: e.getContent() }));
    tallies[m.user.userId] = tallyPoll({ ...like[0]!, eventId: startId }, like.slice(1));
    expect(tallies[m.user.userId], `the tally ${m.user.localpart} computes`).toEqual(expected);
  }

  await evidence(testInfo, { requirement: "BUM-2.1.g", roomId, poll: startId, end: endId, expected, tallies });
});
