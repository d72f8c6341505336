import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { env } from "@/lib/env";
import { urlTextProblem } from "@/lib/http/text";
import { applySecurityHeaders, isHttps } from "@/lib/http/security-headers.js";

/**
 * The edge of every request but the webhook's and static files':
 * 1. A URL whose path or query holds NUL or ill-formed Unicode is answered 400 here, before any
 *    of it can reach PostgreSQL (which would turn it into a 500 carrying driver text). API routes
 *    get JSON, pages plain text.
 * 2. Pages need a session; without one the browser goes to the sign-in page. API routes answer
 *    401 JSON themselves (and accept API tokens), see lib/auth/guard.ts.
 * The webhook path is left alone: it answers for itself, and its signature covers what it reads.
 */

const requireSession = withAuth({ pages: { signIn: "/signin" } });

function refuse(request: NextRequest, message: string): NextResponse {
  const api = request.nextUrl.pathname.startsWith("/api/");
  const response = api
    ? NextResponse.json({ error: "invalid_characters", message }, { status: 400 })
    : new NextResponse(`Bad request: ${message}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  response.headers.set("cache-control", "no-store");
  applySecurityHeaders(response.headers, {
    dev: env().NODE_ENV === "development",
    https: isHttps({ forwardedProto: request.headers.get("x-forwarded-proto") }),
  });
  return response;
}

export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  const { pathname, search } = request.nextUrl;
  const problem = urlTextProblem(pathname, search);
  if (problem) return refuse(request, problem);
  if (pathname.startsWith("/api/") || pathname === "/signin") return NextResponse.next();
  return requireSession(request as NextRequestWithAuth, event);
}

export const config = {
  matcher: ["/((?!api/webhooks/|_next/static/|_next/image|favicon\\.ico|robots\\.txt).*)"],
};
