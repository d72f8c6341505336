"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { ALERT_KIND_LABELS, ALERT_KINDS, MAX_THRESHOLD, type AlertKind } from "@/lib/alerts/kinds";
import { callSettingsApi } from "../_components/api";
import { ConfirmDeleteButton, ErrorNotice, FieldError, inputClass, primaryButtonClass, ShownOnce } from "../_components/ui";

const THRESHOLD_LABELS: Partial<Record<AlertKind, string>> = {
  stuck: "Minutes on one challenge",
  failing: "Failed checks on one challenge",
};

const text = (value: FormDataEntryValue | null) => {
  const trimmed = String(value ?? "").trim();
  return trimmed === "" ? null : trimmed;
};

export function CreateAlertRuleForm({ emailEnabled }: { emailEnabled: boolean }) {
  const router = useRouter();
  const [kind, setKind] = useState<AlertKind>("stuck");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError("");
    setFields({});
    setCreated(null);
    const threshold = text(data.get("threshold"));
    const result = await callSettingsApi<{ id: string; signing_secret: string }>("POST", "/api/settings/alerts", {
      kind,
      threshold: kind === "sandbox_failed" || threshold === null ? null : Number(threshold),
      track: text(data.get("track")),
      invite: text(data.get("invite")),
      webhook_url: text(data.get("webhook_url")),
      email: emailEnabled ? text(data.get("email")) : null,
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      setFields(result.fields);
      return;
    }
    form.reset();
    setKind("stuck");
    setCreated(result.data.signing_secret);
    router.refresh();
  }

  const input = (name: string, label: string, props: React.InputHTMLAttributes<HTMLInputElement>, help?: string) => (
    // The threshold is keyed by the kind, so its default follows the kind chosen.
    <div key={name === "threshold" ? `threshold-${kind}` : name}>
      <label htmlFor={`alert-${name}`} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={`alert-${name}`}
        name={name}
        aria-invalid={Boolean(fields[name])}
        aria-describedby={[help ? `alert-${name}-help` : null, fields[name] ? `alert-${name}-error` : null].filter(Boolean).join(" ") || undefined}
        className={inputClass}
        {...props}
      />
      {help ? (
        <p id={`alert-${name}-help`} className="mt-1 text-xs text-slate-600">
          {help}
        </p>
      ) : null}
      <FieldError id={`alert-${name}-error`} message={fields[name] ? `${label}: ${fields[name]}.` : undefined} />
    </div>
  );

  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-4" noValidate aria-label="Create an alert rule">
      <div className="grid max-w-2xl gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="alert-kind" className="block text-sm font-medium text-slate-700">
            When
          </label>
          <select
            id="alert-kind"
            name="kind"
            value={kind}
            onChange={(event) => setKind(event.target.value as AlertKind)}
            aria-invalid={Boolean(fields.kind)}
            className={inputClass}
          >
            {ALERT_KINDS.map((value) => (
              <option key={value} value={value}>
                {ALERT_KIND_LABELS[value]}
              </option>
            ))}
          </select>
          <FieldError id="alert-kind-error" message={fields.kind ? `When: ${fields.kind}.` : undefined} />
        </div>
        {kind === "sandbox_failed" ? (
          <p className="self-end pb-2 text-sm text-slate-600">A sandbox failed and was not created again since: no threshold.</p>
        ) : (
          input("threshold", THRESHOLD_LABELS[kind]!, {
            type: "number",
            min: 1,
            max: MAX_THRESHOLD[kind],
            step: 1,
            required: true,
            inputMode: "numeric",
            defaultValue: kind === "stuck" ? 15 : 3,
          })
        )}
        {input("track", "Track (optional)", { type: "text", placeholder: "slug or id; empty: every track", maxLength: 200 })}
        {input("invite", "Invite (optional)", { type: "text", placeholder: "invite id; empty: every invite", maxLength: 200 })}
      </div>
      <fieldset className="max-w-2xl space-y-4">
        <legend className="text-sm font-medium text-slate-700">Send to (a webhook, an e-mail address, or both)</legend>
        {input(
          "webhook_url",
          "Webhook URL",
          { type: "url", placeholder: "https://hooks.slack.com/services/…", maxLength: 2000 },
          "Slack-compatible JSON, signed with the rule's secret (Standard Webhooks). Private and loopback addresses are allowed.",
        )}
        {emailEnabled
          ? input("email", "E-mail address", { type: "email", placeholder: "instructors@example.com", maxLength: 320 })
          : (
              <p className="text-sm text-slate-600" data-testid="email-disabled">
                E-mail alerts need an SMTP server: set <code className="text-xs">CAIRN_SMTP_URL</code> on the server.
              </p>
            )}
      </fieldset>
      <ErrorNotice message={Object.keys(fields).length > 0 && Object.keys(fields).every((field) => field in FIELD_NAMES) ? "" : error} />
      {created ? (
        <ShownOnce title="The rule's signing secret (receivers verify its webhooks with it):" value={created} testId="new-alert-secret" onDismiss={() => setCreated(null)} />
      ) : null}
      <button type="submit" disabled={pending} className={primaryButtonClass}>
        {pending ? "Creating…" : "Create rule"}
      </button>
    </form>
  );
}

/** The fields the form shows errors beside; any other problem shows as a notice. */
const FIELD_NAMES = { kind: true, threshold: true, track: true, invite: true, webhook_url: true, email: true } as const;

export function DeleteAlertRuleButton({ id, label }: { id: string; label: string }) {
  return <ConfirmDeleteButton label="Delete" confirmLabel={`Delete “${label}”`} path={`/api/settings/alerts/${encodeURIComponent(id)}`} />;
}

/** Re-renders the page every few seconds while notifications are pending or running. */
export function RefreshWhileSending({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, 3_000);
    return () => clearInterval(timer);
  }, [active, router]);
  return null;
}
