// Cairn's migration CLI: a thin entry point over scripts/lib/migrations.ts, which uses Prisma's
// WebAssembly schema engine, so neither the native engine binary nor network access is needed.
//
//   npm run db:migrate                       apply pending migrations to DATABASE_URL
//   npm run db:migration -- <name>           write prisma/migrations/<timestamp>_<name>/ from
//                                            the changes in prisma/schema.prisma
//   node --import tsx scripts/migrate.ts resolve --rolled-back|--applied <migration>
//                                            settle a failed migration (prisma migrate resolve)
//
// Runs under tsx (`node --import tsx`). No Node flags are needed (scripts/lib/migrations.ts loads
// the wasm engine itself). Set CAIRN_MIGRATE_DEBUG=1 to see the engine's own log and the
// full error chain.
//
// Regenerating the first migration while the schema is still young:
//   rm -rf prisma/migrations && npm run db:migration -- init

import { MigrationError, applyMigrations, createMigration, resolveMigration } from "./lib/migrations.ts";

const USAGE = `Usage:
  npm run db:migrate                                  apply pending migrations (needs DATABASE_URL)
  npm run db:migration -- <name>                      create a migration from prisma/schema.prisma
  node --import tsx scripts/migrate.ts resolve --rolled-back <name>  mark a failed migration as rolled back (needs DATABASE_URL)
  node --import tsx scripts/migrate.ts resolve --applied <name>      mark a migration as applied without running it`;

const verbose = Boolean(process.env.CAIRN_MIGRATE_DEBUG);
const log = (message: string) => console.log(message);
const debug = verbose ? (message: string) => console.error(message) : undefined;

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new MigrationError(
      "DATABASE_URL is not set. Point it at the PostgreSQL database to migrate, e.g.\n" +
        "  DATABASE_URL=postgresql://user:password@host:5432/cairn npm run db:migrate\n" +
        "(npm start migrates its embedded database by itself.)",
    );
  }
  return url;
}

/** host:port/database of a URL, for messages: never print credentials. */
function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname}`;
  } catch {
    throw new MigrationError("DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database).");
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "deploy": {
      if (rest.length > 0) throw new MigrationError(`deploy takes no arguments.\n\n${USAGE}`);
      const url = requireDatabaseUrl();
      log(`Migrating ${describeTarget(url)}`);
      await applyMigrations({ connectionString: url, log, debug });
      return;
    }
    case "create": {
      if (rest.length !== 1) throw new MigrationError(`create takes exactly one name.\n\n${USAGE}`);
      await createMigration({ name: rest[0]!, log, debug });
      return;
    }
    case "resolve": {
      const [flag, migrationName, ...extra] = rest;
      const status = flag === "--rolled-back" ? "rolled-back" : flag === "--applied" ? "applied" : null;
      if (!status || !migrationName || extra.length > 0) throw new MigrationError(USAGE);
      const url = requireDatabaseUrl();
      log(`Resolving on ${describeTarget(url)}`);
      await resolveMigration({ connectionString: url, migrationName, status, log });
      return;
    }
    case "help":
    case "--help":
    case "-h":
      log(USAGE);
      return;
    default:
      throw new MigrationError(command ? `Unknown command: ${command}\n\n${USAGE}` : USAGE);
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof MigrationError && !verbose) {
    console.error(`\nError: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
}
