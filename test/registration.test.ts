import { describe, expect, it } from "vitest";
import { registrationMac } from "../src/matrix/registration.ts";

// Vectors computed independently with Python's hmac module (as Synapse's register_new_matrix_user does).
describe("shared-secret registration HMAC", () => {
  it("matches the known vector for an ordinary user", () => {
    expect(registrationMac("shared-secret-123", "abcdef0123456789", "alice", "pa55word!", false)).toBe("5f1020cdd888b17674ba3831d25d38d54db50bc9");
  });
  it("matches the known vector for an admin with a user type", () => {
    expect(registrationMac("shared-secret-123", "abcdef0123456789", "bot", "pw", true, "bot")).toBe("3a4726bb83547bf3a7884bceedfa3af10ce75ffe");
  });
  it("changes with any field", () => {
    const a = registrationMac("s", "n", "u", "p", false);
    expect(registrationMac("s", "n", "u", "p", true)).not.toBe(a);
    expect(registrationMac("s", "n2", "u", "p", false)).not.toBe(a);
  });
});
