import { withAuth } from "next-auth/middleware";

/**
 * Every page needs a session; without one the browser goes to the sign-in page. API routes are
 * excluded here: they answer 401 JSON themselves (and accept API tokens), see lib/auth/guard.ts.
 */
export default withAuth({ pages: { signIn: "/signin" } });

export const config = {
  matcher: ["/((?!api/|signin|_next/|favicon\\.ico|robots\\.txt).*)"],
};
