"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callSettingsApi } from "../_components/api";
import { ConfirmButton, ErrorNotice, FieldError, inputClass, primaryButtonClass } from "../_components/ui";

interface SetSecretResponse {
  kind: "set" | "rotated";
  secret: { hint: string };
  previous: { hint: string }[];
  previousExpireAt: string | null;
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

export function SecretForm({ hasSecret, defaultGraceHours, maxGraceHours }: { hasSecret: boolean; defaultGraceHours: number; maxGraceHours: number }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [done, setDone] = useState("");

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const graceText = String(data.get("graceHours") ?? "").trim();
    const graceHours = graceText === "" ? undefined : Number(graceText);
    if (graceHours !== undefined && Number.isNaN(graceHours)) {
      setFields({ graceHours: "must be a number of hours" });
      return;
    }
    setPending(true);
    setError("");
    setFields({});
    setDone("");
    const result = await callSettingsApi<SetSecretResponse>("POST", "/api/settings/webhook/secrets", {
      secret: String(data.get("secret") ?? ""),
      ...(hasSecret && graceHours !== undefined ? { graceHours } : {}),
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      setFields(result.fields);
      return;
    }
    form.reset();
    const { secret, previous, previousExpireAt } = result.data;
    setDone(
      result.data.kind === "set"
        ? `Secret ${secret.hint} set: deliveries signed with it are accepted now.`
        : `Rotated to ${secret.hint}. ${previous.map((p) => p.hint).join(", ")} keeps verifying until ${previousExpireAt ? utc(previousExpireAt) : "now"}.`,
    );
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="mt-6 space-y-4 border-t border-slate-100 pt-5" noValidate aria-label={hasSecret ? "Rotate the signing secret" : "Set the signing secret"}>
      <h3 className="text-sm font-semibold">{hasSecret ? "Rotate to a new secret" : "Set the signing secret"}</h3>
      <div>
        <label htmlFor="secret" className="block text-sm font-medium text-slate-700">
          Signing secret from Instruqt
        </label>
        <input
          id="secret"
          name="secret"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="whsec_…"
          required
          aria-invalid={Boolean(fields.secret)}
          aria-describedby={fields.secret ? "secret-error" : undefined}
          className={`${inputClass} font-mono`}
        />
        <FieldError id="secret-error" message={fields.secret} />
      </div>
      {hasSecret ? (
        <div>
          <label htmlFor="graceHours" className="block text-sm font-medium text-slate-700">
            Keep the previous secret verifying for (hours)
          </label>
          <input
            id="graceHours"
            name="graceHours"
            type="number"
            min={0}
            max={maxGraceHours}
            step="any"
            defaultValue={defaultGraceHours}
            aria-invalid={Boolean(fields.graceHours)}
            aria-describedby="graceHours-help"
            className={`${inputClass} max-w-40`}
          />
          <p id="graceHours-help" className="mt-1 text-xs text-slate-500">
            Svix may still deliver or retry messages signed with the previous secret. 0 stops it at once.
          </p>
          <FieldError id="graceHours-error" message={fields.graceHours} />
        </div>
      ) : null}
      <ErrorNotice message={fields.secret || fields.graceHours ? "" : error} />
      {done ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          {done}
        </p>
      ) : null}
      <button type="submit" disabled={pending} className={primaryButtonClass}>
        {pending ? "Saving…" : hasSecret ? "Rotate secret" : "Set secret"}
      </button>
    </form>
  );
}

export function RemoveSecretButton({ id, hint, last }: { id: string; hint: string; last: boolean }) {
  const router = useRouter();
  const [error, setError] = useState("");
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <ConfirmButton
        label="Remove"
        confirmLabel={last ? `Remove ${hint}: refuse all deliveries` : `Remove ${hint} now`}
        onConfirm={async () => {
          const result = await callSettingsApi("DELETE", `/api/settings/webhook/secrets/${encodeURIComponent(id)}`);
          if (!result.ok) setError(result.message);
          else router.refresh();
        }}
      />
      {error ? <span role="alert" className="text-xs text-red-700">{error}</span> : null}
    </span>
  );
}

interface TestEventResponse {
  svixId: string;
  eventType: string;
  url: string;
  status: number | null;
  latencyMs: number | null;
  response: string | null;
  error: string | null;
}

export function TestEventForm({ eventTypes, targets, disabled }: { eventTypes: string[]; targets: { local: string; public: string | null }; disabled: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [result, setResult] = useState<TestEventResponse | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError("");
    setResult(null);
    const response = await callSettingsApi<TestEventResponse>("POST", "/api/settings/webhook/test", {
      type: String(data.get("type") ?? ""),
      target: String(data.get("target") ?? "local"),
    });
    setPending(false);
    if (!response.ok) setError(response.message);
    else {
      setResult(response.data);
      router.refresh();
    }
  }

  const accepted = result?.status !== null && result?.status !== undefined && result.status >= 200 && result.status < 300;
  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-4" noValidate aria-label="Send a test event">
      <div className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="type" className="block text-sm font-medium text-slate-700">Event type</label>
          <select id="type" name="type" defaultValue="track.started" className={`${inputClass} w-64 max-w-full`}>
            {eventTypes.map((type) => (
              <option key={type} value={type}>{type}</option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={pending || disabled} className={primaryButtonClass}>
          {pending ? "Sending…" : "Send test event"}
        </button>
      </div>
      <fieldset className="text-sm">
        <legend className="font-medium text-slate-700">Send it to</legend>
        {/* URLs are long unbroken strings: they wrap anywhere so a phone does not scroll sideways. */}
        <label className="mt-1 flex flex-wrap items-center gap-x-2">
          <input type="radio" name="target" value="local" defaultChecked /> this server directly{" "}
          <code className="text-xs text-slate-500 [overflow-wrap:anywhere]">{targets.local}</code>
        </label>
        {targets.public ? (
          <label className="mt-1 flex flex-wrap items-center gap-x-2">
            <input type="radio" name="target" value="public" /> the public URL (through any proxy){" "}
            <code className="text-xs text-slate-500 [overflow-wrap:anywhere]">{targets.public}</code>
          </label>
        ) : null}
      </fieldset>
      {disabled ? <p className="text-sm text-slate-500">Set a signing secret first.</p> : null}
      <ErrorNotice message={error} />
      {result ? (
        <div
          role="status"
          data-testid="test-result"
          className={`rounded-md border px-3 py-2 text-sm ${accepted ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-900"}`}
        >
          <p className="font-medium">
            {result.status !== null ? `HTTP ${result.status} in ${result.latencyMs} ms` : `Not delivered: ${result.error}`}
          </p>
          <p className="mt-1 [overflow-wrap:anywhere]">
            {result.eventType} → <code>{result.url}</code> (svix-id <code>{result.svixId}</code>)
          </p>
          {result.response ? <pre className="mt-2 overflow-x-auto whitespace-pre-wrap text-xs">{result.response}</pre> : null}
        </div>
      ) : null}
    </form>
  );
}
