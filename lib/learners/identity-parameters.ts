import { z } from "zod";

/**
 * Which custom parameters say who a learner is, by role: the display name, the email, and other
 * identifiers (an LMS user id …) that are shown and searchable. Pure: the admin's input, its
 * validation and its stored shape. Reading, saving and deriving live in ./identity.ts.
 */

export const IDENTITY_ROLES = ["name", "email", "identifier"] as const;
export type IdentityRole = (typeof IDENTITY_ROLES)[number];

/** The stored setting: for each role, the parameter keys in order of preference. */
export interface IdentityParameters {
  name: string[];
  email: string[];
  identifier: string[];
}

export const NO_IDENTITY_PARAMETERS: IdentityParameters = { name: [], email: [], identifier: [] };

export const MAX_KEYS_PER_ROLE = 20;
export const MAX_KEY_LENGTH = 100;

/** The request body's field for each role (PUT /api/settings/identity, the settings form). */
export const ROLE_FIELDS = {
  name: "nameParameters",
  email: "emailParameters",
  identifier: "identifierParameters",
} as const satisfies Record<IdentityRole, string>;

// Instruqt custom parameter keys are the track author's free text; a comma separates keys in the
// form and whitespace would be invisible in it, so neither may be part of one.
function keyProblem(key: string): string | null {
  if (key.length > MAX_KEY_LENGTH) return `"${key.slice(0, 20)}…" is longer than ${MAX_KEY_LENGTH} characters`;
  if (!/^[^\s,]+$/.test(key)) return `"${key}" has a space: separate keys with commas`;
  return null;
}

/** "email, work_email" or ["email", "work_email"]: trimmed, empties dropped, duplicates once. */
const keyList = z
  .union([z.string().max(4000), z.array(z.string().max(MAX_KEY_LENGTH + 100)).max(MAX_KEYS_PER_ROLE * 2)], {
    error: "must be a comma-separated list of custom parameter keys",
  })
  .transform((value) => {
    const parts = (Array.isArray(value) ? value : value.split(",")).map((part) => part.trim()).filter((part) => part !== "");
    return [...new Set(parts)];
  })
  .superRefine((keys, context) => {
    if (keys.length > MAX_KEYS_PER_ROLE) context.addIssue({ code: "custom", message: `at most ${MAX_KEYS_PER_ROLE} keys` });
    const problem = keys.map(keyProblem).find((found) => found !== null);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

export const identityParametersInput = z
  .object({
    [ROLE_FIELDS.name]: keyList,
    [ROLE_FIELDS.email]: keyList,
    [ROLE_FIELDS.identifier]: keyList,
  })
  .loose()
  .superRefine((input, context) => {
    for (const name of Object.keys(input)) {
      if (!(Object.values(ROLE_FIELDS) as string[]).includes(name)) {
        context.addIssue({ code: "custom", path: [name], message: `unknown field; this accepts ${Object.values(ROLE_FIELDS).join(", ")}` });
      }
    }
    // One key, one meaning: a key listed under two roles would fill both from the same value.
    const seen = new Map<string, string>();
    for (const role of IDENTITY_ROLES) {
      const field = ROLE_FIELDS[role];
      for (const key of input[field]) {
        const earlier = seen.get(key);
        if (earlier) {
          context.addIssue({ code: "custom", path: [field], message: `"${key}" is already listed in ${earlier}` });
        } else {
          seen.set(key, field);
        }
      }
    }
  })
  .transform((input): IdentityParameters => ({
    name: input[ROLE_FIELDS.name],
    email: input[ROLE_FIELDS.email],
    identifier: input[ROLE_FIELDS.identifier],
  }));

export type IdentityParametersInput = z.input<typeof identityParametersInput>;

const stored = z.object({
  name: z.array(z.string()),
  email: z.array(z.string()),
  identifier: z.array(z.string()),
});

/** The setting as stored; anything unreadable counts as none configured. */
export function parseStoredIdentityParameters(value: unknown): IdentityParameters {
  const parsed = stored.safeParse(value);
  return parsed.success ? parsed.data : NO_IDENTITY_PARAMETERS;
}

export function hasIdentityParameters(parameters: IdentityParameters): boolean {
  return IDENTITY_ROLES.some((role) => parameters[role].length > 0);
}

/** (role, key) pairs in preference order: the rows of the derivation's key table. */
export function identityKeyRows(parameters: IdentityParameters): { roles: IdentityRole[]; keys: string[] } {
  const roles: IdentityRole[] = [];
  const keys: string[] = [];
  for (const role of IDENTITY_ROLES) {
    for (const key of parameters[role]) {
      roles.push(role);
      keys.push(key);
    }
  }
  return { roles, keys };
}

/** Where a value came from, as stored and shown: `param:email`. */
export const parameterSource = (key: string) => `param:${key}`;

/**
 * CAIRN_IDENTITY_PARAMS, which seeds the setting once at first start: `key=role` pairs separated
 * by commas, in order of preference, e.g. `email=email, name=name, lms_user_id=identifier`.
 */
export const identityParametersFromEnvironment = z.string().transform((text, context): IdentityParameters => {
  const lists: Record<IdentityRole, string[]> = { name: [], email: [], identifier: [] };
  for (const pair of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [key, role, ...rest] = pair.split("=").map((part) => part.trim());
    if (!key || rest.length > 0 || !(IDENTITY_ROLES as readonly string[]).includes(role ?? "")) {
      context.addIssue({ code: "custom", message: `"${pair}" must be key=role with a role of ${IDENTITY_ROLES.join(", ")}` });
      return z.NEVER;
    }
    lists[role as IdentityRole].push(key);
  }
  const checked = identityParametersInput.safeParse({
    [ROLE_FIELDS.name]: lists.name,
    [ROLE_FIELDS.email]: lists.email,
    [ROLE_FIELDS.identifier]: lists.identifier,
  });
  if (!checked.success) {
    context.addIssue({ code: "custom", message: checked.error.issues.map((issue) => issue.message).join("; ") });
    return z.NEVER;
  }
  return checked.data;
});
