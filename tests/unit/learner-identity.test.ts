import { describe, expect, it } from "vitest";
import { describeSources } from "@/components/learner-identity";
import {
  identityKeyRows,
  identityParametersFromEnvironment,
  identityParametersInput,
  MAX_KEYS_PER_ROLE,
  parseStoredIdentityParameters,
  NO_IDENTITY_PARAMETERS,
} from "@/lib/learners/identity-parameters";

const fieldsOf = (input: unknown) => {
  const parsed = identityParametersInput.safeParse(input);
  if (parsed.success) return null;
  return [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
};

describe("identity parameters input", () => {
  it("reads comma-separated lists and arrays, trimmed, empties and repeats dropped, order kept", () => {
    expect(
      identityParametersInput.parse({
        nameParameters: " full_name, name ,,full_name",
        emailParameters: ["email", " work_email "],
        identifierParameters: "",
      }),
    ).toEqual({ name: ["full_name", "name"], email: ["email", "work_email"], identifier: [] });
  });

  it("names the field of each bad value", () => {
    expect(fieldsOf({ nameParameters: "first name", emailParameters: "", identifierParameters: "" })).toEqual(["nameParameters"]);
    expect(fieldsOf({ nameParameters: "", emailParameters: 42, identifierParameters: "" })).toEqual(["emailParameters"]);
    expect(fieldsOf({ nameParameters: "", emailParameters: "" })).toEqual(["identifierParameters"]);
    expect(fieldsOf({ nameParameters: "", emailParameters: "", identifierParameters: "x".repeat(101) })).toEqual(["identifierParameters"]);
    const many = Array.from({ length: MAX_KEYS_PER_ROLE + 1 }, (_, i) => `k${i}`).join(",");
    expect(fieldsOf({ nameParameters: many, emailParameters: "", identifierParameters: "" })).toEqual(["nameParameters"]);
    expect(fieldsOf({ nameParameters: "", emailParameters: "", identifierParameters: "", colour: "blue" })).toEqual(["colour"]);
  });

  it("refuses one key under two roles, naming the later field", () => {
    const parsed = identityParametersInput.safeParse({ nameParameters: "email", emailParameters: "email", identifierParameters: "" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ["emailParameters"], message: '"email" is already listed in nameParameters' });
  });

  it("lays keys out as (role, key) rows in preference order", () => {
    expect(identityKeyRows({ name: ["full_name", "name"], email: ["email"], identifier: ["lms_user_id"] })).toEqual({
      roles: ["name", "name", "email", "identifier"],
      keys: ["full_name", "name", "email", "lms_user_id"],
    });
  });

  it("treats an unreadable stored setting as none", () => {
    expect(parseStoredIdentityParameters(null)).toEqual(NO_IDENTITY_PARAMETERS);
    expect(parseStoredIdentityParameters({ name: "email" })).toEqual(NO_IDENTITY_PARAMETERS);
    expect(parseStoredIdentityParameters({ name: ["n"], email: [], identifier: ["i"] })).toEqual({ name: ["n"], email: [], identifier: ["i"] });
  });
});

describe("identity sources", () => {
  const none = { firstName: null, lastName: null, email: null, nameSource: null, emailSource: null, identifiers: null };

  it("says where the name and the email came from, once when it is the same source", () => {
    expect(describeSources({ ...none, firstName: "Ada", email: "a@x", nameSource: "param:who", emailSource: "param:who" })).toBe(
      "name and email from param:who",
    );
    expect(describeSources({ ...none, firstName: "Ada", email: "a@x", nameSource: "enrichment", emailSource: "param:email" })).toBe(
      "name from enrichment, email from param:email",
    );
    expect(describeSources({ ...none, email: "a@x", emailSource: "param:email" })).toBe("email from param:email");
  });

  it("says nothing when neither is known", () => {
    expect(describeSources(none)).toBeNull();
    expect(describeSources({ ...none, nameSource: "param:name" })).toBeNull();
  });
});

describe("CAIRN_IDENTITY_PARAMS", () => {
  it("reads key=role pairs in order of preference", () => {
    expect(identityParametersFromEnvironment.parse("email=email, full_name=name, name=name, lms_user_id=identifier")).toEqual({
      name: ["full_name", "name"],
      email: ["email"],
      identifier: ["lms_user_id"],
    });
  });

  it("refuses a pair without a known role, or a key under two roles", () => {
    for (const bad of ["email", "email=mail", "email=email=x", "=name", "email=email,email=name"]) {
      expect(identityParametersFromEnvironment.safeParse(bad).success, bad).toBe(false);
    }
  });
});
