import { defineConfig } from "prisma/config";

// The Prisma CLI reads the database URL here (Prisma 7 no longer reads it from the schema).
// Only `prisma migrate deploy` on machines with the native schema engine needs it; Cairn's own
// `npm run db:migrate` uses the WebAssembly engine (scripts/migrate.ts).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/cairn" },
});
