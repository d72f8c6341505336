import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(request: Request, context: Context): Promise<Response> {
  // next-auth v4 reads params synchronously; Next 16 hands them over as a promise.
  return NextAuth(authOptions())(request, { params: await context.params });
}

export { handler as GET, handler as POST };
