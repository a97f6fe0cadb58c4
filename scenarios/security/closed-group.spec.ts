import { test, expect, evidence } from "../../fixtures/index.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { download } from "../../src/matrix/attachments.ts";
import { anonymousDirectory, anonymousMedia, served } from "../../src/security/anonymous.ts";

/**
 * VSM-1 closed user group: nobody gets in without an admin. Registration attempts use a run-tagged name and are
 * recorded in the ledger first (by the users fixture), so an instance that wrongly accepts them is still cleaned up.
 */

test("VSM-1 closed user group: registration without an admin and guest access are refused, the room directory and media are not served without a login", async ({ target, profile, users, media: files, tag }, testInfo) => {
  const problems: string[] = [];

  const register = await users.tryRegister("selfreg");
  // 403: registration is off. 401 with only registration-token flows: only holders of an admin-issued token may register.
  const tokenOnly = register.status === 401 && !!register.body.flows?.length && register.body.flows.every((f) => f.stages.includes("m.login.registration_token"));
  if (!(register.status === 403 || tokenOnly)) problems.push(`self-registration without an admin is not refused (${register.status}${register.body.errcode ? ` ${register.body.errcode}` : ""}${register.body.flows ? ` flows ${JSON.stringify(register.body.flows)}` : ""})`);

  const guest = await users.tryGuest();
  if (guest.status !== 403) problems.push(`guest access is not refused (${guest.status}${guest.body.user_id ? `: got guest ${guest.body.user_id}` : ""})`);

  const directory = await anonymousDirectory(target.baseUrl);
  problems.push(...served(directory));

  // The file is uploaded by a member; with a login it is served (control), without one it must not be.
  const member = await users.create("member");
  const mxc = await files.upload(member, new TextEncoder().encode(`Lagebericht ${tag}`), "text/plain");
  expect((await download(member, mxc)).status, "the file is served with a login (control)").toBe(200);
  const withLogin = await requestJson(target.baseUrl, "GET", "_matrix/client/v3/publicRooms", { token: member.accessToken });
  expect(withLogin.status, "the room directory answers a logged-in member (control)").toBe(200);
  const media = profile.contract.authenticatedMedia ? await anonymousMedia(target.baseUrl, mxc) : [];
  problems.push(...served(media));

  await evidence(testInfo, {
    requirement: "VSM-1",
    registration: { status: register.status, errcode: register.body.errcode, tokenOnly },
    guest: { status: guest.status, errcode: guest.body.errcode },
    anonymousDirectory: directory,
    anonymousMedia: profile.contract.authenticatedMedia ? media : "not checked: the profile does not require authenticated media",
  });
  expect(problems, `closed user group: ${problems.join("; ")}`).toEqual([]);
});
