import { ContentHelpers, LocationAssetType } from "matrix-js-sdk";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send, sendFileToAll } from "../../fixtures/chat.ts";
import { oggOpusVoice } from "../../fixtures/files.ts";

test("VSM-2.3.alerting an alert to a distribution room reaches every member, highlighted and with a sound", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["leitstelle", "einsatz1", "einsatz2", "einsatz3"].map((n) => users.create(n)));
  const [dispatcher, ...list] = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const roomId = await rooms.group(dispatcher!, list, { name: "Verteiler Alarmierung" });

  // The alert mentions every member of the list (intentional mentions), as an alerting client does.
  const alertId = await send(dispatcher!, roomId, {
    msgtype: "m.text",
    body: "ALARM: Einsatz B3, Sammelpunkt Wache 2",
    "m.mentions": { user_ids: list.map((m) => m.user.userId) },
  });
  const copies = await everyoneDecrypts(list, roomId, alertId);
  const actions = copies.map((ev, i) => {
    const a = list[i]!.client.getPushActionsForEvent(ev, true);
    expect(a?.notify, `${list[i]!.user.localpart} is notified`).toBe(true);
    expect(a?.tweaks?.highlight, `${list[i]!.user.localpart} sees it highlighted`).toBe(true);
    expect(a?.tweaks?.sound, `${list[i]!.user.localpart} hears it`).toBeTruthy();
    return { userId: list[i]!.user.userId, notify: a?.notify, highlight: a?.tweaks?.highlight, sound: a?.tweaks?.sound };
  });
  await evidence(testInfo, { requirement: "VSM-2.3.alerting", roomId, alert: alertId, pushActions: actions });
});

test("VSM-2.3.panic the panic button sends position and a voice message to the emergency list, highlighted at every member", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["streife", "notfall1", "notfall2"].map((n) => users.create(n)));
  const [officer, ...list] = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const roomId = await rooms.group(officer!, list, { name: "Notfallliste" });
  const mentions = { user_ids: list.map((m) => m.user.userId) };

  const position = "geo:50.937531,6.960279;u=8";
  const loc = { ...ContentHelpers.makeLocationContent("NOTRUF: Standort", position, Date.now(), "Notruf", LocationAssetType.Self), "m.mentions": mentions };
  const locId = await send(officer!, roomId, loc as unknown as Record<string, unknown>);
  const voice = await sendFileToAll(officer!, list, roomId, oggOpusVoice(3), {
    body: "Voice message",
    "org.matrix.msc1767.audio": { duration: 3000, waveform: [0, 200, 800, 1024, 600, 100] },
    "org.matrix.msc3245.voice": {},
    "m.mentions": mentions,
  });

  const perMember = [];
  for (const [i, m] of list.entries()) {
    const [locEv] = await everyoneDecrypts([m], roomId, locId);
    const [voiceEv] = await everyoneDecrypts([m], roomId, voice.eventId);
    expect(locEv!.getContent().geo_uri).toBe(position);
    expect(voiceEv!.getContent()["org.matrix.msc3245.voice"]).toEqual({});
    const la = m.client.getPushActionsForEvent(locEv!, true);
    const va = m.client.getPushActionsForEvent(voiceEv!, true);
    expect(la?.tweaks?.highlight, `${m.user.localpart}: position highlighted`).toBe(true);
    expect(va?.tweaks?.highlight, `${m.user.localpart}: voice message highlighted`).toBe(true);
    expect(la?.tweaks?.sound, `${m.user.localpart}: position with sound`).toBeTruthy();
    perMember.push({ userId: m.user.userId, position: locEv!.getContent().geo_uri, voiceSha256: voice.received[i]!.content ? voice.sha256 : undefined, highlight: [la?.tweaks?.highlight, va?.tweaks?.highlight] });
  }
  await evidence(testInfo, { requirement: "VSM-2.3.panic", roomId, location: locId, voice: voice.eventId, members: perMember });
});
