"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callSettingsApi } from "./api";

export const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 aria-[invalid=true]:border-red-500";
export const primaryButtonClass =
  "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2 disabled:opacity-60";
export const secondaryButtonClass =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-indigo-500 disabled:opacity-60";
export const dangerButtonClass =
  "rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 focus:outline-none focus:ring-2 focus:ring-red-500 disabled:opacity-60";

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-700">
      {message}
    </p>
  );
}

export function ErrorNotice({ message }: { message: string }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  );
}

export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={secondaryButtonClass}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          // No clipboard access (insecure context): the value stays selectable on the page.
        }
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

/** A secret value (token, password) shown once, right after it was made. */
export function ShownOnce({ title, value, testId, onDismiss }: { title: string; value: string; testId: string; onDismiss: () => void }) {
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm">
      <p className="font-medium text-amber-900">{title}</p>
      <p className="mt-1 text-amber-800">Copy it now: Cairn does not keep it and cannot show it again.</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code data-testid={testId} className="select-all break-all rounded bg-white px-2 py-1 font-mono text-slate-900 ring-1 ring-amber-200">
          {value}
        </code>
        <CopyButton value={value} />
        <button type="button" className={secondaryButtonClass} onClick={onDismiss}>
          Done
        </button>
      </div>
    </div>
  );
}

/** A destructive action behind a second click, without a browser dialog. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  const [pending, setPending] = useState(false);
  if (!armed) {
    return (
      <button type="button" className={dangerButtonClass} disabled={disabled} onClick={() => setArmed(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="inline-flex gap-1">
      <button
        type="button"
        className={dangerButtonClass}
        disabled={pending}
        onClick={async () => {
          setPending(true);
          try {
            await onConfirm();
          } finally {
            setPending(false);
            setArmed(false);
          }
        }}
      >
        {pending ? "Working…" : confirmLabel}
      </button>
      <button type="button" className={secondaryButtonClass} disabled={pending} onClick={() => setArmed(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * Deletes one thing through the settings API behind a second click (ConfirmButton), then shows the
 * page again without it, or the API's message beside the button.
 */
export function ConfirmDeleteButton({ label, confirmLabel, path }: { label: string; confirmLabel: string; path: string }) {
  const router = useRouter();
  const [error, setError] = useState("");
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <ConfirmButton
        label={label}
        confirmLabel={confirmLabel}
        onConfirm={async () => {
          const result = await callSettingsApi("DELETE", path);
          if (!result.ok) setError(result.message);
          else router.refresh();
        }}
      />
      {error ? <span role="alert" className="text-xs text-red-700">{error}</span> : null}
    </span>
  );
}
