import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Role } from "./users";

/**
 * Revocable JWT sessions. The cookie carries the user's session version at sign-in (`sv`) and
 * when they signed in (`authTime`). A session holds while the user exists, is enabled, has the
 * same version, and `authTime` is within CAIRN_SESSION_MAX_AGE_HOURS — an absolute lifetime that
 * refreshing the cookie does not extend. Bumping the version ends every session of that user.
 */

export interface SessionClaims {
  sub?: string;
  role?: string;
  sv?: number;
  authTime?: number;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

/** The user behind a session if it still holds, else null (one query). */
export async function sessionCheck(claims: SessionClaims, maxAgeSeconds: number, now = Date.now()): Promise<SessionUser | null> {
  if (!claims.sub || typeof claims.sv !== "number" || typeof claims.authTime !== "number") return null;
  if (claims.authTime + maxAgeSeconds <= Math.floor(now / 1000)) return null;
  const user = await db().user.findUnique({
    where: { id: claims.sub },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, sessionVersion: true },
  });
  if (!user || user.disabledAt || user.sessionVersion !== claims.sv) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

type UserWriter = Pick<Prisma.TransactionClient, "user">;

/** Ends every session of a user (pass the transaction of the change that calls for it). */
export async function endSessions(client: UserWriter, userId: string): Promise<void> {
  await client.user.updateMany({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}
