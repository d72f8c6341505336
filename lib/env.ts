import { z } from "zod";
import { emailAddress } from "@/lib/email";
import { isValidSigningSecret } from "@/lib/webhooks/secret-format";
import { identityParametersFromEnvironment } from "@/lib/learners/identity-parameters";

/**
 * The one door for configuration: every environment variable Cairn reads is declared, validated
 * and typed here. Nothing else reads process.env. Values are read lazily on first use so that a
 * build (which has no database) does not need them; a bad value stops the server on its first
 * request or at start-up (instrumentation) with a message naming the variable.
 */

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const positiveNumber = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().positive().default(fallback));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string({ error: "is required (npm start sets it for the embedded database)" })
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string"),
  ),
  DATABASE_POOL_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100).default(10)),
  NEXTAUTH_SECRET: optionalString,
  NEXTAUTH_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  CAIRN_PUBLIC_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  CAIRN_ENCRYPTION_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$|^[0-9a-fA-F]{64}$/, "must be 32 bytes, as base64 or 64 hex characters")
      .optional(),
  ),
  INSTRUQT_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().refine(isValidSigningSecret, "must be whsec_ followed by base64 of 24 to 64 bytes").optional(),
  ),
  CAIRN_SECRET_GRACE_HOURS: positiveNumber(24),
  CAIRN_ADMIN_EMAIL: z.preprocess(emptyToUndefined, emailAddress.optional()),
  CAIRN_ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8, "must be at least 8 characters").optional()),
  CAIRN_SESSION_MAX_AGE_HOURS: positiveNumber(12),
  // How many reverse proxies in front of Cairn append to X-Forwarded-For (0: none, the header is
  // not ours to believe). See lib/auth/client-address.ts.
  CAIRN_TRUSTED_PROXY: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: "must be a whole number of proxy hops (0 for none)" }).int().min(0).max(10).default(0),
  ),
  // A play neither completed nor stopped with no event for this long counts as given up (funnel)
  // and reads "inactive" on the pages.
  CAIRN_INACTIVE_HOURS: positiveNumber(4),
  // The live board (lib/live): a play is "stuck" after this long on one challenge (or twice the
  // median time others took on it, if longer), and "failing" after this many failed checks on it.
  CAIRN_STUCK_MINUTES: positiveNumber(15),
  CAIRN_FAILING_ATTEMPTS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1000).default(3)),
  // Alert rules (lib/alerts): e-mail goes through this SMTP server (smtp://user:pass@host:587,
  // smtps://… for TLS; nodemailer's URL options such as ?ignoreTLS=true apply); unset, rules cannot
  // send e-mail. The sender of those e-mails; how often the rules are evaluated when no event arrives.
  CAIRN_SMTP_URL: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587").optional(),
  ),
  CAIRN_ALERT_FROM: z.preprocess(emptyToUndefined, z.string().trim().min(3).max(320).default("Cairn <cairn@localhost>")),
  CAIRN_ALERT_EVALUATE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(3600).default(30)),
  INSTRUQT_API_KEY: optionalString,
  CAIRN_IDENTITY_PARAMS: z.preprocess(emptyToUndefined, identityParametersFromEnvironment.optional()),
  INSTRUQT_GRAPHQL_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  // The Instruqt team (organisation) slug the catalogue and playReports queries name; Settings → Enrichment can override it.
  INSTRUQT_TEAM_SLUG: z.preprocess(
    emptyToUndefined,
    z.string().trim().max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be a team slug: letters, digits, - and _").optional(),
  ),
  CAIRN_ENRICHMENT_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(20).default(2)),
  // on: this instance projects events and runs the job runner (lib/jobs); projector: only projects
  // (no calls to Instruqt from here); off: neither — some other instance must project.
  CAIRN_WORKER: z.preprocess(emptyToUndefined, z.enum(["on", "projector", "off"]).default("on")),
  // Where this instance's own HTTP server listens (set by npm start): Settings → Webhook sends its
  // test events there, since the public URL may not be reachable from inside.
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
  HOSTNAME: z.preprocess(emptyToUndefined, z.string().default("0.0.0.0")),
  // Enrichment worker tuning (lib/enrichment/config.ts checks the lease outlasts the timeout).
  CAIRN_ENRICHMENT_POLL_SECONDS: positiveNumber(5),
  CAIRN_ENRICHMENT_TIMEOUT_SECONDS: positiveNumber(15),
  CAIRN_ENRICHMENT_LEASE_SECONDS: positiveNumber(120),
  CAIRN_ENRICHMENT_MAX_ATTEMPTS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(50).default(8)),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export class ConfigurationError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  return result.data;
}

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
