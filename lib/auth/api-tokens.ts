import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";

/**
 * API tokens for scripts (an LMS job pulling the CSV export). Only a SHA-256 of a token is kept:
 * the tokens are long and random, so a slow hash would add nothing.
 */

const TOKEN_PREFIX = "cairn_";
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A new token in clear (to show once) and what is stored of it. */
export function newApiTokenSecret(): { token: string; tokenHash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) };
}

export async function issueApiToken(name: string, createdById: string | null, scope = "read") {
  const { token, tokenHash, prefix } = newApiTokenSecret();
  const record = await db().apiToken.create({
    data: { name, scope, createdById, tokenHash, prefix },
    select: { id: true, name: true, prefix: true, scope: true, createdAt: true },
  });
  return { token, record };
}

export interface TokenPrincipal {
  kind: "token";
  tokenId: string;
  name: string;
  scope: string;
}

export async function authenticateToken(token: string): Promise<TokenPrincipal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const record = await db().apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!record || record.revokedAt) return null;
  const now = new Date();
  if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db().apiToken.update({ where: { id: record.id }, data: { lastUsedAt: now } });
  }
  return { kind: "token", tokenId: record.id, name: record.name, scope: record.scope };
}
