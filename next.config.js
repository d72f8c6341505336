// @ts-check
// A plain ES module (package.json has "type": "module"): Next loads it without compiling
// TypeScript, and so can any module it imports (shared with code that runs outside Next).
import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";
import { nextConfigHeaders } from "./lib/http/security-headers.js";

/**
 * @param {string} phase
 * @returns {import('next').NextConfig}
 */
const nextConfig = (phase) => ({
  // The webhook route reads the raw body itself (signatures cover the exact bytes).
  poweredByHeader: false,
  // pg, the Prisma adapter and nodemailer (alert e-mails) run in Node; keep them out of the server bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket", "nodemailer"],
  typedRoutes: false,
  // forbidden() gives admin pages a real 403 for instructors.
  experimental: { authInterrupts: true },
  // Browser security headers on every response (pages, API routes, static files); dev's React
  // Refresh needs eval, production does not get it.
  async headers() {
    return nextConfigHeaders({ dev: phase === PHASE_DEVELOPMENT_SERVER });
  },
});

export default nextConfig;
