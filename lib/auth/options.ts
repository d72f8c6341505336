import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { emailAddress } from "@/lib/email";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { decoyPasswordHash, verifyPassword } from "./password";
import { isRateLimited, recordFailure, resetRateLimit } from "./rate-limit";

/** Failed sign-ins allowed per window, per account and per client address. */
export const SIGN_IN_LIMITS = { perAccount: 10, perAddress: 50, windowSeconds: 15 * 60 } as const;

const credentialsSchema = z.object({
  email: emailAddress,
  password: z.string().min(1).max(1024),
});

function clientAddress(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  const real = headers?.["x-real-ip"];
  return first || (typeof real === "string" ? real : "") || "unknown";
}

export class RateLimitedError extends Error {
  constructor() {
    super("RateLimited");
  }
}

export function authOptions(): AuthOptions {
  const { NEXTAUTH_SECRET, CAIRN_SESSION_MAX_AGE_HOURS } = env();
  return {
    secret: NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: Math.round(CAIRN_SESSION_MAX_AGE_HOURS * 3600) },
    pages: { signIn: "/signin" },
    // NEXTAUTH_URL is optional (README): without it next-auth takes the origin from the request,
    // and its warning on every sign-in would tell operators otherwise. Other warnings print as
    // next-auth's default logger does.
    logger: {
      warn(code) {
        if (code === "NEXTAUTH_URL") return;
        console.warn(`[next-auth][warn][${code}]`, `\nhttps://next-auth.js.org/warnings#${code.toLowerCase()}`);
      },
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
          const address = clientAddress(request?.headers as Record<string, unknown> | undefined);
          const accountKey = `signin:account:${email}`;
          const addressKey = `signin:address:${address}`;
          const { perAccount, perAddress, windowSeconds } = SIGN_IN_LIMITS;
          const [accountLimited, addressLimited] = await Promise.all([
            isRateLimited(accountKey, perAccount, windowSeconds),
            isRateLimited(addressKey, perAddress, windowSeconds),
          ]);
          if (accountLimited || addressLimited) throw new RateLimitedError();

          const user = await db().user.findUnique({ where: { email } });
          // Unknown and disabled accounts cost a password check too, so timing does not tell them apart.
          const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
          if (!user || !valid || user.disabledAt) {
            await Promise.all([recordFailure(accountKey, windowSeconds), recordFailure(addressKey, windowSeconds)]);
            return null;
          }
          await Promise.all([
            resetRateLimit(accountKey),
            db().user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } }),
          ]);
          return { id: user.id, email: user.email, name: user.name, role: user.role };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = (user as { role?: string }).role;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub, role: token.role } };
      },
    },
  };
}
