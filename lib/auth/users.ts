import { randomBytes } from "node:crypto";
import { z } from "zod";
import { commandActor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/log";
import { emailAddress } from "@/lib/email";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { Role } from "@/lib/generated/prisma/enums";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./password";

export type { Role };
export const roles = Object.values(Role) as [Role, ...Role[]];

export const newUserSchema = z.object({
  email: emailAddress,
  name: z.string().trim().max(200).optional(),
  role: z.enum(roles),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
});

export type NewUser = z.input<typeof newUserSchema>;

export async function createUser(input: NewUser) {
  const user = newUserSchema.parse(input);
  return db().user.create({
    data: { email: user.email, name: user.name || null, role: user.role, passwordHash: await hashPassword(user.password) },
    select: { id: true, email: true, role: true },
  });
}

/** The admin created at first start; the password only when it was generated. */
export interface FirstAdmin {
  email: string;
  generatedPassword: string | null;
}

/**
 * At start, with no user at all: create the first admin from CAIRN_ADMIN_EMAIL/PASSWORD, or else
 * admin@localhost with a random password printed once, so a fresh `npm start` can be signed into.
 */
export async function ensureFirstAdmin(log: (line: string) => void = console.log): Promise<FirstAdmin | null> {
  if ((await db().user.count()) > 0) return null;
  const { CAIRN_ADMIN_EMAIL, CAIRN_ADMIN_PASSWORD } = env();
  const email = CAIRN_ADMIN_EMAIL ?? "admin@localhost";
  const generated = CAIRN_ADMIN_PASSWORD ? null : randomBytes(12).toString("base64url");
  const passwordHash = await hashPassword(CAIRN_ADMIN_PASSWORD ?? generated!);
  try {
    // The audit log starts with the admin everything else is done by (never the password).
    await db().$transaction(async (tx) => {
      const created = await tx.user.create({ data: { email: email.toLowerCase(), role: "admin", passwordHash }, select: { id: true, email: true } });
      await recordAudit(tx, commandActor(CAIRN_ADMIN_EMAIL ? "first start (CAIRN_ADMIN_EMAIL)" : "first start"), "user.created", `user:${created.id}`, {
        email: created.email,
        role: "admin",
        passwordGenerated: generated !== null,
      });
    });
  } catch (error) {
    // Another instance created the first admin at the same moment.
    if ((error as { code?: string }).code === "P2002") return null;
    throw error;
  }
  log(`[cairn] created the first admin: ${email}`);
  if (generated) log(`[cairn] its generated password (shown once, change it in Settings → Users): ${generated}`);
  return { email, generatedPassword: generated };
}
