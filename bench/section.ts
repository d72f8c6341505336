// Runs one benchmark section in a process of its own and prints its result as the last line
// (`BENCH_SECTION <json>`). bench/run.ts uses it for the sections that import lib/ in-process:
// lib/env and the Prisma client read DATABASE_URL once per process, so two such sections on two
// databases cannot share one.
import { pathToFileURL } from "node:url";
import type { BenchContext, BenchModule } from "./types";

const [name, contextJson] = process.argv.slice(2);
const context = JSON.parse(contextJson ?? "{}") as BenchContext;
process.env.DATABASE_URL = context.databaseUrl;
const bench = (await import(pathToFileURL(new URL(`./${name}.bench.ts`, import.meta.url).pathname).href)) as BenchModule;
const section = await bench.run(context);
console.log(`BENCH_SECTION ${JSON.stringify(section)}`);
process.exit(0);
