import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { PlainBot } from "../../src/matrix/plain-bot.ts";
import { syncUntil, membershipIs, allOf, roomIsEncrypted } from "../../src/matrix/sync.ts";

test("VSM-2.3.bots a bot on the plain client-server API (no SDK) reads a command from an encrypted room and answers it", async ({ users, clients, rooms, tag }, testInfo) => {
  const [a, b] = await Promise.all([users.create("alice"), users.create("statusbot", { displayName: "Status-Bot" })]);
  const alice = { user: a, client: await clients.start(a) };
  const bot = await PlainBot.start(b);
  try {
    // A room as alice's client creates one (encrypted in its initial state where the server has no default).
    const roomId = await rooms.create(alice, { name: `${tag} Bot`, invite: [b.userId] });
    // The bot joins when its sync shows the invite; alice then sees it joined.
    await bot.waitJoined(roomId);
    await syncUntil(alice.client, allOf(membershipIs(roomId, b.userId, "join"), roomIsEncrypted(roomId)));

    const command = await send(alice, roomId, { msgtype: "m.text", body: "!status Wache 2" });
    const got = await bot.waitForMessage("the !status command", (m) => m.eventId === command);
    expect(got.content.body, "the bot decrypted the command").toBe("!status Wache 2");
    const station = String(got.content.body).replace(/^!status\s+/, "");
    const answerText = `Status ${station}: einsatzbereit`;
    const answerId = await bot.sendEncrypted(roomId, { msgtype: "m.notice", body: answerText, "m.relates_to": { "m.in_reply_to": { event_id: command } } });

    const [answer] = await everyoneDecrypts([alice], roomId, answerId);
    expect(answer!.getSender()).toBe(b.userId);
    expect(answer!.getContent().body, "alice reads the bot's encrypted answer").toBe(answerText);
    await evidence(testInfo, { requirement: "VSM-2.3.bots", roomId, bot: b.userId, command, answer: answerId, answerText, api: "client-server API over HTTP, OlmMachine for E2EE" });
  } finally {
    bot.stop();
  }
});
