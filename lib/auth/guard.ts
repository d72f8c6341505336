import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { authenticateToken, type TokenPrincipal } from "./api-tokens";
import { authOptions } from "./options";
import type { Role } from "./users";

/**
 * Who is asking. The session is checked against the database on every request (in the jwt
 * callback, lib/auth/sessions.ts): the user's current role, whether they are still enabled and
 * whether the session was revoked are read there in one query, so disabling, demoting or signing
 * someone out takes effect at once.
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
  const user = session?.user as { id?: string; email?: string; name?: string | null; role?: Role } | undefined;
  if (!user?.id || !user.email || !user.role) return null;
  return { id: user.id, email: user.email, name: user.name ?? null, role: user.role };
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
