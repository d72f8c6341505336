import { auditActionLabels, isAuditAction, type AuditEntry } from "./log";

/** One readable line per audit entry, from its recorded details (which never hold secrets). */
export function describeAuditEntry(entry: Pick<AuditEntry, "action" | "details">): string {
  const d = entry.details;
  const text = (key: string) => (typeof d[key] === "string" ? (d[key] as string) : "?");
  const list = (key: string) => (Array.isArray(d[key]) ? (d[key] as unknown[]).map(String).join(", ") : "");
  switch (entry.action) {
    case "webhook_secret.set":
      return `Set the signing secret ${text("hint")}`;
    case "webhook_secret.rotated": {
      const previous = list("previousHints");
      const reinstated = d.reinstated === true ? " (reinstated from its grace period)" : "";
      return `Rotated to the signing secret ${text("hint")}${reinstated}; ${previous || "the previous secret"} verifies for ${formatHours(d.graceHours)} more, until ${text("previousExpireAt")}`;
    }
    case "webhook_secret.removed":
      return `Removed the signing secret ${text("hint")}${d.wasCurrent === true ? " (it was the current one)" : ""}`;
    case "webhook.test_sent": {
      const outcome = typeof d.status === "number" ? `HTTP ${d.status} in ${String(d.latencyMs)} ms` : `failed: ${text("error")}`;
      return `Sent a test ${text("eventType")} event to ${text("url")}: ${outcome}`;
    }
    case "user.created":
      return `Created ${text("email")} as ${text("role")}${d.passwordGenerated === true ? " with a generated password" : ""}`;
    case "user.role_changed":
      return `Changed ${text("email")} from ${text("from")} to ${text("to")}`;
    case "user.disabled":
      return `Disabled ${text("email")}`;
    case "user.enabled":
      return `Enabled ${text("email")}`;
    case "user.password_reset":
      return `Reset the password of ${text("email")}${d.passwordGenerated === true ? " (generated)" : ""}`;
    case "token.created":
      return `Created the ${text("scope")} API token “${text("name")}” (${text("prefix")}…)`;
    case "token.revoked":
      return `Revoked the API token “${text("name")}” (${text("prefix")}…)`;
    case "identity.parameters.update":
    case "identity.parameters.seeded": {
      const role = (key: string, label: string) => {
        const change = d[key] as { from?: unknown; to?: unknown } | undefined;
        const to = typeof change?.to === "string" && change.to ? change.to : "none";
        return change?.from === change?.to ? null : `${label}: ${to}`;
      };
      const changes = [role("name", "name"), role("email", "email"), role("identifier", "other identifiers")].filter(Boolean);
      return `Set the identity parameters (${changes.join("; ") || "unchanged"})`;
    }
    case "alert.rule.create":
    case "alert.rule.delete": {
      const scope = [typeof d.track === "string" ? `track ${d.track}` : null, typeof d.invite === "string" ? `invite ${d.invite}` : null].filter(Boolean);
      const to = [typeof d.webhook === "string" ? d.webhook : null, typeof d.email === "string" ? d.email : null].filter(Boolean);
      const condition = d.kind === "stuck" ? `stuck for ${String(d.threshold)} min` : d.kind === "failing" ? `${String(d.threshold)} failed checks` : text("kind");
      return `${entry.action === "alert.rule.create" ? "Created" : "Deleted"} the alert rule “${condition}”${scope.length > 0 ? ` (${scope.join(", ")})` : ""} → ${to.join(" and ") || "?"}`;
    }
    default:
      return isAuditAction(entry.action) ? auditActionLabels[entry.action] : entry.action;
  }
}

function formatHours(value: unknown): string {
  if (typeof value !== "number") return "?";
  if (value === 0) return "no time";
  if (value < 1) return `${Math.round(value * 3600)} s`;
  return `${Number(value.toFixed(2))} h`;
}
