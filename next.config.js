// @ts-check
// A plain ES module (package.json has "type": "module"): Next loads it without compiling
// TypeScript, and so can any module it imports (shared with code that runs outside Next).

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The webhook route reads the raw body itself (signatures cover the exact bytes).
  poweredByHeader: false,
  // pg and the Prisma adapter run in Node; keep them out of the server bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  typedRoutes: false,
  // forbidden() gives admin pages a real 403 for instructors.
  experimental: { authInterrupts: true },
};

export default nextConfig;
