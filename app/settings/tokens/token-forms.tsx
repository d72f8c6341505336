"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callSettingsApi } from "../_components/api";
import { ConfirmDeleteButton, ErrorNotice, FieldError, inputClass, primaryButtonClass, ShownOnce } from "../_components/ui";

export function CreateTokenForm() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setPending(true);
    setError("");
    setFields({});
    setCreated(null);
    const result = await callSettingsApi<{ token: string; record: { name: string } }>("POST", "/api/settings/tokens", {
      name: String(new FormData(form).get("name") ?? ""),
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      setFields(result.fields);
      return;
    }
    form.reset();
    setCreated({ name: result.data.record.name, token: result.data.token });
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-4" noValidate aria-label="Create a token">
      <div className="max-w-md">
        <label htmlFor="token-name" className="block text-sm font-medium text-slate-700">Name</label>
        <input
          id="token-name"
          name="name"
          type="text"
          placeholder="e.g. LMS nightly sync"
          required
          maxLength={100}
          aria-invalid={Boolean(fields.name)}
          aria-describedby={fields.name ? "token-name-error" : undefined}
          className={inputClass}
        />
        <FieldError id="token-name-error" message={fields.name ? `Name ${fields.name}.` : undefined} />
      </div>
      <ErrorNotice message={fields.name ? "" : error} />
      {created ? <ShownOnce title={`Token “${created.name}”:`} value={created.token} testId="new-token" onDismiss={() => setCreated(null)} /> : null}
      <button type="submit" disabled={pending} className={primaryButtonClass}>
        {pending ? "Creating…" : "Create token"}
      </button>
    </form>
  );
}

export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  return <ConfirmDeleteButton label="Revoke" confirmLabel={`Revoke “${name}”`} path={`/api/settings/tokens/${encodeURIComponent(id)}`} />;
}
