import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The webhook route reads the raw body itself (signatures cover the exact bytes).
  poweredByHeader: false,
  // pg and the Prisma adapter run in Node; keep them out of the server bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  typedRoutes: false,
  // forbidden() gives admin pages a real 403 for instructors.
  experimental: { authInterrupts: true },
};

export default nextConfig;
