import { z } from "zod";
import { BAD_TEXT_MESSAGE, isStorableText } from "@/lib/http/text";
import { recordAudit } from "@/lib/audit/log";
import type { Actor } from "@/lib/audit/actor";
import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { newApiTokenSecret } from "./api-tokens";

/**
 * Managing API tokens (Settings → API tokens). Tokens are read-only (scope "read": exports and
 * read APIs); only their SHA-256 is stored, so the token is shown once, at creation. Revoking
 * takes effect on the next request: authenticateToken reads the row every time.
 */

export const TOKEN_SCOPE = "read";

export const createTokenSchema = z.object({
  name: z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") }).trim().min(1, "is required").max(100, "must be at most 100 characters").refine(isStorableText, BAD_TEXT_MESSAGE),
});

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  scope: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const tokenSelect = {
  id: true,
  name: true,
  prefix: true,
  scope: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { email: true } },
} as const;

type TokenRow = { createdBy: { email: string } | null } & Omit<TokenView, "createdBy">;

const toView = ({ createdBy, ...row }: TokenRow): TokenView => ({ ...row, createdBy: createdBy?.email ?? null });

/** Active tokens first, then revoked ones; newest first within each. */
export async function listApiTokens(): Promise<TokenView[]> {
  const rows = await db().apiToken.findMany({
    select: tokenSelect,
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
  return rows.map(toView);
}

export async function createApiToken(actor: Actor, input: z.input<typeof createTokenSchema>): Promise<{ token: string; record: TokenView }> {
  const { name } = createTokenSchema.parse(input);
  const { token, tokenHash, prefix } = newApiTokenSecret();
  const record = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { name, scope: TOKEN_SCOPE, tokenHash, prefix, createdById: actor.id },
      select: tokenSelect,
    });
    await recordAudit(tx, actor, "token.created", `api_token:${created.id}`, { name, prefix, scope: TOKEN_SCOPE });
    return created;
  });
  return { token, record: toView(record) };
}

/** Revokes a token; revoking a revoked token changes nothing (and logs nothing). */
export async function revokeApiToken(actor: Actor, id: string): Promise<TokenView> {
  return db().$transaction(async (tx) => {
    // Conditional update: of two concurrent revocations, only one changes the row and logs it.
    const { count } = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    const token = await tx.apiToken.findUnique({ where: { id }, select: tokenSelect });
    if (!token) throw notFound("An API token with this id");
    if (count === 1) await recordAudit(tx, actor, "token.revoked", `api_token:${id}`, { name: token.name, prefix: token.prefix });
    return toView(token);
  });
}
