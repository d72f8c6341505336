import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

/**
 * One Prisma client per process, shared across hot reloads in development. The pool is small on
 * purpose: every app instance shares one PostgreSQL, and the embedded server multiplexes.
 */
const globalForPrisma = globalThis as unknown as { cairnPrisma?: PrismaClient };

function createClient(): PrismaClient {
  const { DATABASE_URL, DATABASE_POOL_SIZE } = env();
  const adapter = new PrismaPg({
    connectionString: DATABASE_URL,
    max: DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}

export function db(): PrismaClient {
  globalForPrisma.cairnPrisma ??= createClient();
  return globalForPrisma.cairnPrisma;
}

export type { PrismaClient };
export { Prisma } from "@/lib/generated/prisma/client";
