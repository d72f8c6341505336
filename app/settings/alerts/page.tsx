import type { Metadata } from "next";
import { emailConfigured, listAlertRules, recentNotifications, type AlertRuleView, type NotificationView } from "@/lib/alerts/admin";
import { ALERT_KIND_LABELS } from "@/lib/alerts/kinds";
import { ALERT_MAX_ATTEMPTS } from "@/lib/alerts/job";
import { requireUser } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { formatDateTime } from "../_components/format";
import { CreateAlertRuleForm, DeleteAlertRuleButton, RefreshWhileSending } from "./alert-forms";

export const metadata: Metadata = { title: "Alerts" };
export const dynamic = "force-dynamic";

/** "Stuck ≥ 15 min", "Failing checks ≥ 3", "Sandbox failed". */
function conditionOf(rule: Pick<AlertRuleView, "kind" | "threshold">): string {
  if (rule.kind === "stuck") return `Stuck ≥ ${rule.threshold} min on one challenge`;
  if (rule.kind === "failing") return `≥ ${rule.threshold} failed checks on one challenge`;
  return ALERT_KIND_LABELS.sandbox_failed;
}

const statusStyles: Record<NotificationView["status"], string> = {
  pending: "bg-amber-50 text-amber-900",
  running: "bg-sky-50 text-sky-900",
  done: "bg-emerald-50 text-emerald-800",
  failed: "bg-rose-50 text-rose-900",
};

const statusLabels: Record<NotificationView["status"], string> = { pending: "waiting", running: "sending", done: "sent", failed: "failed" };

/**
 * Settings → Alerts: rules that notify a webhook (Slack-compatible, signed) and/or an e-mail
 * address when a learner is stuck, failing checks or lost their sandbox; and what was sent.
 */
export default async function AlertSettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/alerts" });
  const evaluateSeconds = env().CAIRN_ALERT_EVALUATE_SECONDS;
  const [rules, notifications] = await Promise.all([listAlertRules(), recentNotifications()]);
  const sending = notifications.some((notification) => notification.status === "pending" || notification.status === "running");

  return (
    <div className="space-y-8">
      <section aria-labelledby="rules-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="rules-heading" className="text-base font-semibold">
          Alert rules
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Cairn checks the live board against these rules after every batch of events, and every {evaluateSeconds} s as time
          passes; it sends one notification per rule, learner and challenge while the condition holds. Open alerts also show on the live board, where
          instructors acknowledge them.
        </p>
        {rules.length === 0 ? (
          <p className="mt-4 text-sm text-slate-600">No rule yet.</p>
        ) : (
          <div className="mt-4 overflow-x-auto">
            <table className="stack-table w-full text-left text-sm" data-testid="alert-rules-table">
              <thead className="border-b border-slate-200 text-xs uppercase text-slate-600">
                <tr>
                  <th className="py-2 pr-4 font-medium">When</th>
                  <th className="py-2 pr-4 font-medium">Scope</th>
                  <th className="py-2 pr-4 font-medium">Send to</th>
                  <th className="py-2 pr-4 font-medium">Created</th>
                  <th className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rules.map((rule) => (
                  <tr key={rule.id} data-rule-id={rule.id} className="border-b border-slate-100 align-top last:border-0">
                    <td data-label="When" className="py-2 pr-4 font-medium">
                      {conditionOf(rule)}
                    </td>
                    <td data-label="Scope" className="py-2 pr-4">
                      {rule.track === null && rule.invite === null ? (
                        "every track"
                      ) : (
                        <>
                          {rule.track !== null ? (
                            <span className="block">
                              track <bdi className="font-mono text-xs">{rule.track}</bdi>
                            </span>
                          ) : null}
                          {rule.invite !== null ? (
                            <span className="block">
                              invite <bdi className="font-mono text-xs">{rule.invite}</bdi>
                            </span>
                          ) : null}
                        </>
                      )}
                    </td>
                    <td data-label="Send to" className="max-w-xs break-all py-2 pr-4">
                      {rule.webhook_url_hint ? (
                        <span className="block font-mono text-xs" title="The URL is stored encrypted: only its origin and last characters are shown">
                          {rule.webhook_url_hint}
                        </span>
                      ) : null}
                      {rule.email ? <span className="block">{rule.email}</span> : null}
                    </td>
                    <td data-label="Created" className="py-2 pr-4">
                      {formatDateTime(rule.created_at)}
                    </td>
                    <td className="py-2 text-right">
                      <DeleteAlertRuleButton id={rule.id} label={conditionOf(rule)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="new-rule-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="new-rule-heading" className="text-base font-semibold">
          Create a rule
        </h2>
        <CreateAlertRuleForm emailEnabled={emailConfigured()} />
      </section>

      <section aria-labelledby="notifications-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="notifications-heading" className="text-base font-semibold">
          Recent notifications
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          A notification that fails is retried with growing pauses ({ALERT_MAX_ATTEMPTS} attempts over about ten minutes), then
          listed here as failed.
        </p>
        <RefreshWhileSending active={sending} />
        {notifications.length === 0 ? (
          <p className="mt-4 text-sm text-slate-600">Nothing sent yet.</p>
        ) : (
          <div className="mt-4 overflow-x-auto">
            <table className="stack-table w-full text-left text-sm" data-testid="alert-notifications-table">
              <thead className="border-b border-slate-200 text-xs uppercase text-slate-600">
                <tr>
                  <th className="py-2 pr-4 font-medium">Alert</th>
                  <th className="py-2 pr-4 font-medium">To</th>
                  <th className="py-2 pr-4 font-medium">Status</th>
                  <th className="py-2 pr-4 font-medium">Attempts</th>
                  <th className="py-2 pr-4 font-medium">Last error</th>
                  <th className="py-2 font-medium">Time</th>
                </tr>
              </thead>
              <tbody>
                {notifications.map((notification) => (
                  <tr key={notification.id} data-notification={notification.alert_id} data-channel={notification.channel} className="border-b border-slate-100 align-top last:border-0">
                    <td data-label="Alert" className="max-w-xs py-2 pr-4">
                      {notification.detail ? (
                        <>
                          <span className="block">{notification.detail}</span>
                          <span className="block text-xs text-slate-600">
                            play <bdi className="font-mono">{notification.participant_id}</bdi>
                          </span>
                        </>
                      ) : (
                        <span className="text-slate-600">its rule was deleted</span>
                      )}
                    </td>
                    <td data-label="To" className="max-w-xs break-all py-2 pr-4">
                      <span className="block text-xs uppercase text-slate-600">{notification.channel === "email" ? "e-mail" : "webhook"}</span>
                      {notification.destination ?? "—"}
                    </td>
                    <td data-label="Status" className="py-2 pr-4">
                      <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${statusStyles[notification.status]}`} data-status={notification.status}>
                        {statusLabels[notification.status]}
                      </span>
                      {notification.status === "done" && notification.note ? <span className="mt-1 block text-xs text-slate-600">{notification.note}</span> : null}
                      {notification.next_attempt_at && notification.attempts > 0 ? (
                        <span className="mt-1 block text-xs text-slate-600">next attempt {formatDateTime(notification.next_attempt_at, { seconds: true })}</span>
                      ) : null}
                    </td>
                    <td data-label="Attempts" className="py-2 pr-4 tabular-nums">
                      {notification.attempts}
                    </td>
                    <td data-label="Last error" className="max-w-xs break-words py-2 pr-4 text-xs text-rose-900" data-testid="notification-error">
                      {notification.status === "done" ? "" : (notification.last_error ?? "")}
                    </td>
                    <td data-label="Time" className="py-2">
                      {formatDateTime(notification.updated_at, { seconds: true })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
