import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/**
 * next-auth's routes, each with the methods it serves; anything else is a 405 here (next-auth
 * itself throws on, say, a GET of the credentials callback, which Next answers with a 500).
 */
const METHODS: Record<string, readonly string[]> = {
  providers: ["GET"],
  session: ["GET", "POST"],
  csrf: ["GET"],
  signin: ["GET", "POST"],
  signout: ["GET", "POST"],
  callback: ["GET", "POST"],
  error: ["GET"],
  _log: ["POST"],
};

function allowed(segments: string[]): readonly string[] {
  const [action, provider] = segments;
  // Credentials are only ever POSTed; OAuth providers (none here) would call back with a GET.
  if (action === "callback" && provider === "credentials") return ["POST"];
  if (action === "signin" && provider === "credentials") return ["POST"];
  return METHODS[action ?? ""] ?? [];
}

async function handler(request: Request, context: Context): Promise<Response> {
  // next-auth v4 reads params synchronously; Next 16 hands them over as a promise.
  const params = await context.params;
  const methods = allowed(params.nextauth);
  if (methods.length === 0) return Response.json({ error: "not_found", message: "no such auth route" }, { status: 404 });
  if (!methods.includes(request.method)) {
    return Response.json(
      { error: "method_not_allowed", message: `use ${methods.join(" or ")}` },
      { status: 405, headers: { allow: methods.join(", ") } },
    );
  }
  return NextAuth(authOptions())(request, { params });
}

export { handler as GET, handler as POST };
