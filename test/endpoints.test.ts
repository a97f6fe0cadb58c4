import { describe, expect, it } from "vitest";
import { parseTarget } from "../src/config/target.ts";
import { isLoopbackHost, publicEndpoints } from "../src/security/endpoints.ts";

/**
 * The transport checks (BUM-5.3.e, VSM-2.2.tls) judge the instance's public endpoints. An admin URL the operator
 * gives on loopback in plain HTTP (a port-forward to Synapse's internal port) is how the harness reaches the
 * instance, not an endpoint it serves: judging it failed BUM-5.3.e falsely ("admin http://127.0.0.1:… is not an
 * https URL"). On the reference, where every URL is on loopback, every endpoint is still judged.
 */
describe("public endpoints of a target", () => {
  it("knows loopback hosts", () => {
    for (const h of ["localhost", "127.0.0.1", "127.3.2.1", "[::1]", "::1", "admin.localhost"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["matrix.example.org", "10.0.0.1", "192.168.1.2", "128.0.0.1", "localhost.example.org"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("leaves out an admin URL on loopback when the client API is public, and names it", async () => {
    // The server name carries an explicit port, so no delegation look-up leaves this machine.
    const t = parseTarget({ MXACCEPT_BASE_URL: "https://matrix.example.org", MXACCEPT_SERVER_NAME: "example.org:8448", MXACCEPT_ADMIN_TOKEN: "syt_admin_token_value", MXACCEPT_ADMIN_BASE_URL: "http://127.0.0.1:8008" }, "t.env");
    const { endpoints, leftOut } = await publicEndpoints(t);
    expect(endpoints.map((e) => e.url)).toEqual(["https://matrix.example.org", "https://example.org:8448"]);
    expect(leftOut).toEqual(["admin http://127.0.0.1:8008: a loopback address while the client API is public, so not a public endpoint of the instance"]);
  });

  it("keeps an admin URL on a public host, however it is served", async () => {
    const t = parseTarget({ MXACCEPT_BASE_URL: "https://matrix.example.org", MXACCEPT_SERVER_NAME: "example.org:8448", MXACCEPT_ADMIN_TOKEN: "syt_admin_token_value", MXACCEPT_ADMIN_BASE_URL: "http://admin.example.org" }, "t.env");
    const { endpoints, leftOut } = await publicEndpoints(t);
    expect(endpoints.map((e) => `${e.role} ${e.url}`)).toContain("admin http://admin.example.org");
    expect(leftOut).toEqual([]);
  });

  it("judges every endpoint where the client API itself is on loopback (the reference)", async () => {
    const t = parseTarget({ MXACCEPT_BASE_URL: "https://localhost:8441", MXACCEPT_SERVER_NAME: "localhost:8441", MXACCEPT_ADMIN_TOKEN: "syt_admin_token_value", MXACCEPT_ADMIN_BASE_URL: "https://localhost:8449" }, "t.env");
    const { endpoints, leftOut } = await publicEndpoints(t);
    expect(endpoints.map((e) => e.url)).toEqual(["https://localhost:8441", "https://localhost:8449"]);
    expect(leftOut).toEqual([]);
  });
});
