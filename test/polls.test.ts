import { describe, expect, it } from "vitest";
import { tallyPoll, POLL_START, POLL_RESPONSE, POLL_END, type PollEventLike } from "../src/matrix/poll-tally.ts";

const start = { eventId: "$start", type: POLL_START, sender: "@a:x", ts: 0, content: { [POLL_START]: { answers: [{ id: "ja" }, { id: "nein" }], max_selections: 1 } } };
const rel = { "m.relates_to": { rel_type: "m.reference", event_id: "$start" } };
const resp = (sender: string, ts: number, answers: string[], to = rel): PollEventLike => ({ type: POLL_RESPONSE, sender, ts, content: { ...to, [POLL_RESPONSE]: { answers } } });

describe("poll tally", () => {
  it("counts the latest answer of each member before the end", () => {
    const events = [resp("@a:x", 1, ["ja"]), resp("@b:x", 2, ["ja"]), resp("@b:x", 3, ["nein"]), resp("@c:x", 4, ["nein"]),
      { type: POLL_END, sender: "@a:x", ts: 5, content: { ...rel } }, resp("@c:x", 6, ["ja"])];
    expect(tallyPoll(start, events)).toEqual({ ja: 1, nein: 2 });
  });
  it("ignores unknown answers, other polls, and an end by someone else", () => {
    const events = [resp("@a:x", 1, ["vielleicht"]), resp("@b:x", 2, ["ja"], { "m.relates_to": { rel_type: "m.reference", event_id: "$other" } }),
      { type: POLL_END, sender: "@b:x", ts: 3, content: { ...rel } }, resp("@c:x", 4, ["nein"])];
    expect(tallyPoll(start, events)).toEqual({ ja: 0, nein: 1 });
  });
});
