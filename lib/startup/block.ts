import { selfOrigin } from "@/lib/settings/origins";
import { webhookEndpointUrl } from "@/lib/webhooks/endpoint";

/**
 * The block that closes the start-up log: what a first-time operator needs, in one place, after
 * everything else (build output, Next's lines) has scrolled by. A pure function of what the start
 * did, so its wording is unit-tested.
 */

export interface StartupReport {
  /** Set only on the start that created the first admin. */
  createdAdmin: { email: string; generatedPassword: string | null } | null;
  signingSecret: {
    /** Secrets that verify deliveries right now. */
    active: number;
    /** INSTRUQT_WEBHOOK_SECRET is set in the environment. */
    inEnvironment: boolean;
    /** This start copied INSTRUQT_WEBHOOK_SECRET into the database. */
    seededNow: boolean;
  };
}

export interface Listening {
  port: number;
  hostname: string;
  publicUrl: string | undefined;
}

export function formatStartupBlock(report: StartupReport, listening: Listening): string {
  const localUrl = selfOrigin(listening.port, listening.hostname);
  const openUrl = listening.publicUrl?.replace(/\/+$/, "") ?? localUrl;

  const admin = report.createdAdmin
    ? report.createdAdmin.generatedPassword
      ? [
          `Admin:          ${report.createdAdmin.email}`,
          `Password:       ${report.createdAdmin.generatedPassword}   (generated, shown only now; change it in Settings → Users)`,
        ]
      : [`Admin:          ${report.createdAdmin.email}`, `Password:       from CAIRN_ADMIN_PASSWORD`]
    : [`Admin:          an admin account exists already (sign in with it; npm run user:create adds more)`];

  const { active, inEnvironment, seededNow } = report.signingSecret;
  const secret =
    active === 0
      ? "not set: every delivery is refused (401) until you add one in Settings → Webhook or set INSTRUQT_WEBHOOK_SECRET"
      : seededNow
        ? "set, seeded from INSTRUQT_WEBHOOK_SECRET on this start"
        : inEnvironment
          ? `set (${active} active; INSTRUQT_WEBHOOK_SECRET was seeded on an earlier start, Settings → Webhook manages it now)`
          : `set (${active} active, managed in Settings → Webhook)`;

  const webhook = webhookEndpointUrl(openUrl);
  const webhookNote = listening.publicUrl ? "" : "   (Instruqt must reach it: set CAIRN_PUBLIC_URL to Cairn's public address)";

  const lines = [
    `Open:           ${openUrl}`,
    ...admin,
    `Signing secret: ${secret}`,
    `Webhook URL:    ${webhook}${webhookNote}`,
  ];
  const rule = "=".repeat(78);
  return ["", rule, "Cairn is ready.", ...lines, rule].map((line) => (line ? `[cairn] ${line}` : line)).join("\n");
}
