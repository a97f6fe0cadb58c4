import { ContentHelpers, LocationAssetType, M_BEACON_INFO, M_BEACON } from "matrix-js-sdk";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { syncUntil } from "../../src/matrix/sync.ts";

test("BUM-2.1.h location: a static location and a live location share reach every member with the coordinates sent", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["alice", "bob", "carol"].map((n) => users.create(n)));
  const [alice, ...others] = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const roomId = await rooms.group(alice!, others);

  // Static location (MSC3488), a pin at the Reichstag.
  const pin = "geo:52.518611,13.376111;u=10";
  const staticContent = ContentHelpers.makeLocationContent("Treffpunkt", pin, Date.now(), "Treffpunkt Reichstag", LocationAssetType.Pin);
  const staticId = await send(alice!, roomId, staticContent as unknown as Record<string, unknown>);
  for (const ev of await everyoneDecrypts(others, roomId, staticId)) {
    const c = ev.getContent();
    expect(c.msgtype).toBe("m.location");
    expect(c.geo_uri).toBe(pin);
    expect((c["org.matrix.msc3488.location"] as { uri: string }).uri).toBe(pin);
  }

  // Live location (MSC3672/MSC3489): beacon_info state keyed by the sharer, then beacons referring to it.
  const info = ContentHelpers.makeBeaconInfoContent(10 * 60_000, true, "Live-Standort", LocationAssetType.Self);
  const { event_id: infoId } = await alice!.client.unstable_createLiveBeacon(roomId, info);
  for (const m of others) {
    await syncUntil(m.client, {
      what: `the live location of ${alice!.user.userId} is shared`,
      check: (c) => {
        const st = c.getRoom(roomId)?.currentState.getStateEvents(M_BEACON_INFO.name, alice!.user.userId);
        return st && st.getId() === infoId && st.getContent().live === true ? true : undefined;
      },
    });
  }
  const positions = ["geo:52.520008,13.404954;u=5", "geo:52.516275,13.377704;u=5"];
  const beaconIds: string[] = [];
  for (const uri of positions) {
    const content = ContentHelpers.makeBeaconContent(uri, Date.now(), infoId, "Live-Standort");
    beaconIds.push(await send(alice!, roomId, content as unknown as Record<string, unknown>, M_BEACON.name));
  }
  for (const [i, id] of beaconIds.entries()) {
    for (const ev of await everyoneDecrypts(others, roomId, id)) {
      expect(ev.getType()).toBe(M_BEACON.name);
      expect((ev.getContent()["org.matrix.msc3488.location"] as { uri: string }).uri).toBe(positions[i]);
      expect((ev.getContent()["m.relates_to"] as { event_id: string }).event_id).toBe(infoId);
    }
  }

  await evidence(testInfo, { requirement: "BUM-2.1.h", roomId, static: { eventId: staticId, uri: pin }, live: { beaconInfo: infoId, beacons: beaconIds, positions }, receivers: others.map((o) => o.user.userId) });
});
