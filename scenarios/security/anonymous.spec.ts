import { test, expect, evidence } from "../../fixtures/index.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { download } from "../../src/matrix/attachments.ts";
import { anonymousDirectory, anonymousMedia, anonymousProfile, served } from "../../src/security/anonymous.ts";

test("SEC-anonymous anonymous requests get login and discovery only: no room directory, no profile look-up, no media where the profile requires authenticated media", async ({ target, profile, users, media: files, tag }, testInfo) => {
  // Controls: login and discovery are served without a login.
  const versions = await requestJson(target.baseUrl, "GET", "_matrix/client/versions");
  const login = await requestJson<{ flows: { type: string }[] }>(target.baseUrl, "GET", "_matrix/client/v3/login");
  expect(login.body.flows.length, "login flows are served").toBeGreaterThan(0);

  const user = await users.create("visible", { displayName: `Sichtbar ${tag}` });
  const mxc = await files.upload(user, new TextEncoder().encode(`Anhang ${tag}`), "text/plain");
  expect((await download(user, mxc)).status, "the file is served with a login (control)").toBe(200);

  const directory = await anonymousDirectory(target.baseUrl);
  const prof = await anonymousProfile(target.baseUrl, user.userId);
  const media = profile.contract.authenticatedMedia ? await anonymousMedia(target.baseUrl, mxc) : [];
  await evidence(testInfo, {
    requirement: "SEC-anonymous",
    served: { versions: versions.status, loginFlows: login.body.flows.map((f) => f.type) },
    directory,
    profile: prof,
    media: profile.contract.authenticatedMedia ? media : `not checked: profile ${profile.id} does not require authenticated media (authenticatedMedia: false)`,
  });
  const found = [...served(directory), ...served(prof), ...served(media)];
  expect(found, `served to anonymous requests: ${found.join("; ")}`).toEqual([]);
});
