import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { emailAddress } from "@/lib/email";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { isStorableText } from "@/lib/http/text";
import { clientAddress } from "./client-address";
import { decoyPasswordHash, verifyPassword } from "./password";
import { pruneExpired, refundSlots, takeSlots, type Slot } from "./rate-limit";
import { safeRedirect } from "./redirect";
import { endSessions, sessionCheck, type SessionClaims } from "./sessions";

/** Sign-in attempts allowed per window, per account and per client address (successes are refunded). */
export const SIGN_IN_LIMITS = { perAccount: 10, perAddress: 50, windowSeconds: 15 * 60 } as const;

const credentialsSchema = z.object({
  // A NUL or lone surrogate would reach PostgreSQL and come back as driver text in the error URL.
  email: z.string().max(320).refine(isStorableText).pipe(emailAddress),
  password: z.string().min(1).max(1024),
});

export class RateLimitedError extends Error {
  constructor() {
    super("RateLimited");
  }
}

export class SignInUnavailableError extends Error {
  constructor() {
    super("Unavailable");
  }
}

/** A session whose user, version or lifetime no longer holds: next-auth clears its cookie. */
class SessionEndedError extends Error {}

const header = (headers: Record<string, unknown> | undefined, name: string) => {
  const value = headers?.[name];
  return typeof value === "string" ? value : null;
};

export function authOptions(): AuthOptions {
  const { NEXTAUTH_SECRET, CAIRN_SESSION_MAX_AGE_HOURS, CAIRN_TRUSTED_PROXY } = env();
  const maxAgeSeconds = Math.round(CAIRN_SESSION_MAX_AGE_HOURS * 3600);
  return {
    secret: NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: maxAgeSeconds },
    pages: { signIn: "/signin" },
    logger: {
      // A revoked or expired cookie is an ordinary refusal, not an error worth a stack trace.
      error(code, metadata) {
        if (metadata instanceof SessionEndedError) return;
        console.error(`[next-auth] ${code}`, metadata);
      },
      // NEXTAUTH_URL is optional (README): without it next-auth takes the origin from the request,
      // and its warning on every sign-in would tell operators otherwise.
      warn(code) {
        if (code === "NEXTAUTH_URL") return;
        console.warn(`[next-auth] ${code}`);
      },
      debug() {},
    },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, request) {
          const parsed = credentialsSchema.safeParse(credentials);
          if (!parsed.success) return null;
          const { email, password } = parsed.data;
          const headers = request?.headers as Record<string, unknown> | undefined;
          const address = clientAddress(header(headers, "x-forwarded-for"), CAIRN_TRUSTED_PROXY);
          const { perAccount, perAddress, windowSeconds } = SIGN_IN_LIMITS;
          try {
            // Counted before the password is checked: see lib/auth/rate-limit.ts.
            const slots = await takeSlots([`signin:account:${email}`, `signin:address:${address}`], windowSeconds);
            const [account, byAddress] = slots as [Slot, Slot];
            if (account.count === 1 || byAddress.count === 1) await pruneExpired(windowSeconds);
            if (account.count > perAccount || byAddress.count > perAddress) throw new RateLimitedError();

            const user = await db().user.findUnique({ where: { email } });
            // Unknown and disabled accounts cost a password check too, so timing does not tell them apart.
            const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
            if (!user || !valid || user.disabledAt) return null;
            await Promise.all([
              refundSlots(slots),
              db().user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } }),
            ]);
            return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
          } catch (error) {
            if (error instanceof RateLimitedError) throw error;
            // next-auth puts a thrown message into the error URL: never a driver's text.
            console.error("[auth] sign-in failed unexpectedly:", error);
            throw new SignInUnavailableError();
          }
        },
      }),
    ],
    callbacks: {
      redirect: ({ url, baseUrl }) => safeRedirect(url, baseUrl),
      async jwt({ token, user }) {
        if (user) {
          const signedIn = user as { id: string; role?: string; sessionVersion?: number };
          const claims: SessionClaims = {
            sub: signedIn.id,
            role: signedIn.role,
            sv: signedIn.sessionVersion ?? 0,
            authTime: Math.floor(Date.now() / 1000),
          };
          return { ...token, ...claims };
        }
        // Every request that reads the session: one query decides whether it still holds.
        const current = await sessionCheck(token as SessionClaims, maxAgeSeconds);
        if (!current) throw new SessionEndedError("session ended");
        return { ...token, role: current.role, email: current.email, name: current.name };
      },
      async session({ session, token }) {
        const claims = token as SessionClaims;
        // The absolute end, not next-auth's sliding "now + maxAge".
        const expires = new Date(((claims.authTime ?? 0) + maxAgeSeconds) * 1000).toISOString();
        return {
          ...session,
          expires,
          user: { ...session.user, id: token.sub, email: token.email, name: token.name, role: token.role },
        };
      },
    },
    events: {
      // Signing out ends every session of the user: the cookie alone could otherwise be replayed.
      async signOut({ token }) {
        if (token?.sub) await endSessions(db(), token.sub);
      },
    },
  };
}
