import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import type { Actor } from "@/lib/audit/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { emailAddress } from "@/lib/email";
import { BAD_TEXT_MESSAGE, isStorableText } from "@/lib/http/text";
import { AppError, notFound } from "@/lib/http/errors";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./password";
import { endSessions } from "./sessions";
import { roles, type Role } from "./users";

/**
 * Managing the people who sign in (Settings → Users, and `npm run user:create`). Invariant: at
 * least one enabled admin exists, so the settings can never be locked away. Changes that could
 * break it lock every enabled admin's row first, so two concurrent demotions (each checking "is
 * there another admin?") cannot both pass: the second one waits, then sees the first's result.
 */

type Tx = Prisma.TransactionClient;

const password = z
  .string({ error: "must be text" })
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, "must be at most 1024 characters");

/** An empty password field means "generate one". */
const optionalPassword = z.preprocess((value) => (value === "" || value === null ? undefined : value), password.optional());

export const inviteUserSchema = z.object({
  email: z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") }).refine(isStorableText, BAD_TEXT_MESSAGE).pipe(emailAddress),
  name: z.preprocess((value) => (value === null ? undefined : value), z.string({ error: "must be text" }).trim().max(200, "must be at most 200 characters").refine(isStorableText, BAD_TEXT_MESSAGE).optional()),
  role: z.enum(roles, { error: "must be admin or instructor" }),
  password: optionalPassword,
});

export const updateUserSchema = z
  .object({
    role: z.enum(roles, { error: "must be admin or instructor" }).optional(),
    disabled: z.boolean({ error: "must be true or false" }).optional(),
  })
  .refine((value) => value.role !== undefined || value.disabled !== undefined, { message: "give role or disabled", path: ["role"] });

export const resetPasswordSchema = z.object({ password: optionalPassword });

export type InviteUserInput = z.input<typeof inviteUserSchema>;

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
}

const userSelect = { id: true, email: true, name: true, role: true, disabledAt: true, lastSignInAt: true, createdAt: true } as const;

/** 120 random bits, easy to copy (base64url, no padding). */
export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}

export async function listUsers(): Promise<UserView[]> {
  return db().user.findMany({ select: userSelect, orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { email: "asc" }] });
}

/** Creates an account; returns the password only when it was generated (to show it once). */
export async function inviteUser(actor: Actor, input: InviteUserInput): Promise<{ user: UserView; generatedPassword: string | null }> {
  const parsed = inviteUserSchema.parse(input);
  const generatedPassword = parsed.password ? null : generatePassword();
  const passwordHash = await hashPassword(parsed.password ?? generatedPassword!);
  try {
    const user = await db().$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { email: parsed.email, name: parsed.name || null, role: parsed.role, passwordHash },
        select: userSelect,
      });
      await recordAudit(tx, actor, "user.created", `user:${created.id}`, {
        email: created.email,
        role: created.role,
        passwordGenerated: generatedPassword !== null,
      });
      return created;
    });
    return { user, generatedPassword };
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      throw new AppError(409, "email_taken", `A user with the email ${parsed.email} already exists.`, "email");
    }
    throw error;
  }
}

/** Locks the rows of every enabled admin (see the module comment) and returns their ids. */
async function lockActiveAdmins(tx: Tx): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM app_user WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`;
  return rows.map((row) => row.id);
}

function refuseIfLastAdmin(activeAdmins: string[], userId: string, what: string): void {
  if (activeAdmins.length === 1 && activeAdmins[0] === userId) {
    throw new AppError(409, "last_admin", `This is the last enabled admin: it cannot be ${what}. Make another user an admin first.`);
  }
}

async function findUser(tx: Tx, id: string) {
  const user = await tx.user.findUnique({ where: { id }, select: userSelect });
  if (!user) throw notFound("A user with this id");
  return user;
}

/** Changes role and/or enabled state; both at once are one change under one lock. */
export async function updateUser(actor: Actor, id: string, changes: z.input<typeof updateUserSchema>): Promise<UserView> {
  const { role, disabled } = updateUserSchema.parse(changes);
  return db().$transaction(async (tx) => {
    const activeAdmins = await lockActiveAdmins(tx);
    const user = await findUser(tx, id);
    const demoting = role !== undefined && role !== "admin" && user.role === "admin";
    const disabling = disabled === true && user.disabledAt === null;
    if (demoting) refuseIfLastAdmin(activeAdmins, id, "made an instructor");
    if (disabling) refuseIfLastAdmin(activeAdmins, id, "disabled");

    const data: Prisma.UserUpdateInput = {};
    if (role !== undefined && role !== user.role) data.role = role;
    if (disabled !== undefined && disabled !== (user.disabledAt !== null)) data.disabledAt = disabled ? new Date() : null;
    if (Object.keys(data).length === 0) return user;

    const updated = await tx.user.update({ where: { id }, data, select: userSelect });
    // A new role or a disable ends the user's sessions; re-enabling does not bring old ones back.
    await endSessions(tx, id);
    if (data.role !== undefined) {
      await recordAudit(tx, actor, "user.role_changed", `user:${id}`, { email: user.email, from: user.role, to: updated.role });
    }
    if (data.disabledAt !== undefined) {
      await recordAudit(tx, actor, updated.disabledAt ? "user.disabled" : "user.enabled", `user:${id}`, { email: user.email });
    }
    return updated;
  });
}

/** Sets a new password (typed, or generated and returned to show once). */
export async function resetPassword(actor: Actor, id: string, input: z.input<typeof resetPasswordSchema>): Promise<{ generatedPassword: string | null }> {
  const parsed = resetPasswordSchema.parse(input);
  const generatedPassword = parsed.password ? null : generatePassword();
  const passwordHash = await hashPassword(parsed.password ?? generatedPassword!);
  await db().$transaction(async (tx) => {
    const user = await findUser(tx, id);
    await tx.user.update({ where: { id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    await recordAudit(tx, actor, "user.password_reset", `user:${id}`, { email: user.email, passwordGenerated: generatedPassword !== null });
  });
  return { generatedPassword };
}
