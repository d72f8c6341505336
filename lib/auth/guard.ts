import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { db } from "@/lib/db/client";
import { authenticateToken, type TokenPrincipal } from "./api-tokens";
import { authOptions } from "./options";
import type { Role } from "./users";

/**
 * Who is asking. The session cookie only names a user: the user's current role and whether they
 * are still enabled are read from the database on every request, so disabling or demoting
 * someone takes effect at once.
 */

export interface AppUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export type Principal = { kind: "user"; user: AppUser } | TokenPrincipal;

export async function currentUser(): Promise<AppUser | null> {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const user = await db().user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, disabledAt: true },
  });
  if (!user || user.disabledAt) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** For pages: a signed-in user (else the sign-in page), with the role asked for (else 403). */
export async function requireUser(options: { role?: Role; callbackUrl?: string } = {}): Promise<AppUser> {
  const user = await currentUser();
  if (!user) {
    redirect(options.callbackUrl ? `/signin?callbackUrl=${encodeURIComponent(options.callbackUrl)}` : "/signin");
  }
  if (options.role === "admin" && user.role !== "admin") forbidden();
  return user;
}

const deny = (status: 401 | 403, message: string) =>
  Response.json(
    { error: status === 401 ? "unauthorized" : "forbidden", message },
    { status, headers: status === 401 ? { "www-authenticate": 'Bearer realm="cairn"' } : {} },
  );

/**
 * For API routes: a session, or (where `allowToken`) an API token in `Authorization: Bearer`.
 * Tokens are read-only; admin routes need an admin's session.
 */
export async function authorizeApi(
  request: Request,
  options: { role?: Role; allowToken?: boolean } = {},
): Promise<{ ok: true; principal: Principal } | { ok: false; response: Response }> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const principal = match ? await authenticateToken(match[1]!) : null;
    if (!principal) return { ok: false, response: deny(401, "invalid or revoked API token") };
    if (!options.allowToken || options.role === "admin") {
      return { ok: false, response: deny(403, "API tokens are read-only and cannot use this endpoint") };
    }
    return { ok: true, principal };
  }
  const user = await currentUser();
  if (!user) return { ok: false, response: deny(401, "sign in or send an API token") };
  if (options.role === "admin" && user.role !== "admin") return { ok: false, response: deny(403, "admins only") };
  return { ok: true, principal: { kind: "user", user } };
}
