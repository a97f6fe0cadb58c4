/**
 * MSC3381 poll tally as a member computes it from the events it decrypted: the latest response of each sender
 * before the poll's end counts (its answers are the selection, up to max_selections); responses after the end,
 * to another poll, or naming unknown answers do not count.
 */
export const POLL_START = "org.matrix.msc3381.poll.start";
export const POLL_RESPONSE = "org.matrix.msc3381.poll.response";
export const POLL_END = "org.matrix.msc3381.poll.end";

export interface PollEventLike {
  type: string;
  sender: string;
  ts: number;
  content: Record<string, unknown>;
}

export function tallyPoll(start: PollEventLike & { eventId: string }, events: PollEventLike[]): Record<string, number> {
  const poll = start.content[POLL_START] as { answers: { id: string }[]; max_selections?: number };
  const answerIds = new Set(poll.answers.map((a) => a.id));
  const max = poll.max_selections ?? 1;
  const relatesTo = (e: PollEventLike) => (e.content["m.relates_to"] as { rel_type?: string; event_id?: string } | undefined)?.event_id === start.eventId;
  const end = events.filter((e) => e.type === POLL_END && relatesTo(e) && e.sender === start.sender).sort((a, b) => a.ts - b.ts)[0];
  const latest = new Map<string, PollEventLike>();
  for (const e of events) {
    if (e.type !== POLL_RESPONSE || !relatesTo(e)) continue;
    if (end && e.ts > end.ts) continue;
    const prev = latest.get(e.sender);
    if (!prev || e.ts >= prev.ts) latest.set(e.sender, e);
  }
  const tally: Record<string, number> = Object.fromEntries([...answerIds].map((id) => [id, 0]));
  for (const e of latest.values()) {
    const chosen = ((e.content[POLL_RESPONSE] as { answers?: string[] } | undefined)?.answers ?? []).slice(0, max);
    if (chosen.length === 0 || chosen.some((a) => !answerIds.has(a))) continue; // a spoilt ballot
    for (const a of chosen) tally[a]!++;
  }
  return tally;
}
