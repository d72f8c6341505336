"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { callSettingsApi } from "../_components/api";
import { ErrorNotice, FieldError, inputClass, primaryButtonClass } from "../_components/ui";

/** Ids typed one per line or separated by commas. */
const idList = (value: FormDataEntryValue | null) =>
  String(value ?? "")
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id.length > 0);

export function StartBackfillForm() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [started, setStarted] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError("");
    setFields({});
    setStarted(null);
    const result = await callSettingsApi<{ id: string }>("POST", "/api/settings/backfill", {
      from: String(data.get("from") ?? ""),
      to: String(data.get("to") ?? ""),
      tracks: idList(data.get("tracks")),
      invites: idList(data.get("invites")),
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      setFields(result.fields);
      return;
    }
    setStarted(result.data.id);
    router.refresh();
  }

  const field = (name: string) => fields[name] ?? Object.entries(fields).find(([key]) => key.startsWith(`${name}.`))?.[1];

  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-4" noValidate aria-label="Start a backfill">
      <div className="grid max-w-xl gap-4 sm:grid-cols-2">
        {(["from", "to"] as const).map((name) => (
          <div key={name}>
            <label htmlFor={`backfill-${name}`} className="block text-sm font-medium text-slate-700">
              {name === "from" ? "From (first day)" : "To (last day)"}
            </label>
            <input
              id={`backfill-${name}`}
              name={name}
              type="date"
              required
              aria-invalid={Boolean(field(name))}
              aria-describedby={field(name) ? `backfill-${name}-error` : undefined}
              className={inputClass}
            />
            <FieldError id={`backfill-${name}-error`} message={field(name) ? `${name} ${field(name)}.` : undefined} />
          </div>
        ))}
      </div>
      {(["tracks", "invites"] as const).map((name) => (
        <div key={name} className="max-w-xl">
          <label htmlFor={`backfill-${name}`} className="block text-sm font-medium text-slate-700">
            {name === "tracks" ? "Track ids" : "Invite ids"} <span className="font-normal text-slate-500">(optional; one per line or comma-separated; empty: all)</span>
          </label>
          <textarea
            id={`backfill-${name}`}
            name={name}
            rows={2}
            aria-invalid={Boolean(field(name))}
            aria-describedby={field(name) ? `backfill-${name}-error` : undefined}
            className={inputClass}
          />
          <FieldError id={`backfill-${name}-error`} message={field(name) ? `${name} ${field(name)}.` : undefined} />
        </div>
      ))}
      <ErrorNotice message={Object.keys(fields).length > 0 ? "" : error} />
      {started ? (
        <p role="status" className="text-sm text-emerald-800">
          Backfill <code className="text-xs">{started}</code> queued; its progress shows below.
        </p>
      ) : null}
      <button type="submit" disabled={pending} className={primaryButtonClass}>
        {pending ? "Starting…" : "Start backfill"}
      </button>
    </form>
  );
}

/** Re-renders the page every few seconds while a backfill is pending or running, and stops after. */
export function RefreshWhileActive({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, 2_000);
    return () => clearInterval(timer);
  }, [active, router]);
  return null;
}
