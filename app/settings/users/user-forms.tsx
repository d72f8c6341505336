"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Role } from "@/lib/generated/prisma/enums";
import { callSettingsApi } from "../_components/api";
import { ConfirmButton, ErrorNotice, FieldError, inputClass, primaryButtonClass, secondaryButtonClass, ShownOnce } from "../_components/ui";


export function CreateUserForm({ minPasswordLength }: { minPasswordLength: number }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<{ email: string; password: string | null } | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError("");
    setFields({});
    setCreated(null);
    const result = await callSettingsApi<{ user: { email: string }; generatedPassword: string | null }>("POST", "/api/settings/users", {
      email: String(data.get("email") ?? ""),
      name: String(data.get("name") ?? ""),
      role: String(data.get("role") ?? ""),
      password: String(data.get("password") ?? ""),
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      setFields(result.fields);
      return;
    }
    form.reset();
    setCreated({ email: result.data.user.email, password: result.data.generatedPassword });
    router.refresh();
  }

  const invalid = (name: string) => ({ "aria-invalid": Boolean(fields[name]), "aria-describedby": fields[name] ? `new-${name}-error` : undefined });
  return (
    <form onSubmit={onSubmit} className="mt-4 grid gap-4 sm:grid-cols-2" noValidate aria-label="Add a user">
      <div>
        <label htmlFor="new-email" className="block text-sm font-medium text-slate-700">Email</label>
        <input id="new-email" name="email" type="email" autoComplete="off" required className={inputClass} {...invalid("email")} />
        <FieldError id="new-email-error" message={fields.email} />
      </div>
      <div>
        <label htmlFor="new-name" className="block text-sm font-medium text-slate-700">Name <span className="font-normal text-slate-500">(optional)</span></label>
        <input id="new-name" name="name" type="text" autoComplete="off" className={inputClass} {...invalid("name")} />
        <FieldError id="new-name-error" message={fields.name} />
      </div>
      <div>
        <label htmlFor="new-role" className="block text-sm font-medium text-slate-700">Role</label>
        <select id="new-role" name="role" defaultValue="instructor" className={inputClass} {...invalid("role")}>
          <option value="instructor">Instructor</option>
          <option value="admin">Admin</option>
        </select>
        <FieldError id="new-role-error" message={fields.role} />
      </div>
      <div>
        <label htmlFor="new-password" className="block text-sm font-medium text-slate-700">
          Initial password <span className="font-normal text-slate-500">(empty: generate one)</span>
        </label>
        <input id="new-password" name="password" type="password" autoComplete="new-password" minLength={minPasswordLength} className={inputClass} {...invalid("password")} />
        <FieldError id="new-password-error" message={fields.password} />
      </div>
      <div className="space-y-3 sm:col-span-2">
        <ErrorNotice message={Object.keys(fields).length > 0 ? "" : error} />
        {created ? (
          created.password ? (
            <ShownOnce title={`Created ${created.email}. Their password:`} value={created.password} testId="generated-password" onDismiss={() => setCreated(null)} />
          ) : (
            <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
              Created {created.email} with the password you typed.
            </p>
          )
        ) : null}
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Adding…" : "Add user"}
        </button>
      </div>
    </form>
  );
}

export function UserActions({
  user,
  isLastAdmin,
  minPasswordLength,
}: {
  user: { id: string; email: string; role: Role; disabled: boolean };
  isLastAdmin: boolean;
  minPasswordLength: number;
}) {
  const router = useRouter();
  const [error, setError] = useState("");
  const [pending, setPending] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [resetError, setResetError] = useState("");
  const [newPassword, setNewPassword] = useState<string | null>(null);
  const [resetDone, setResetDone] = useState(false);
  const url = `/api/settings/users/${encodeURIComponent(user.id)}`;

  async function update(changes: { role?: Role; disabled?: boolean }) {
    setPending(true);
    setError("");
    const result = await callSettingsApi("PATCH", url, changes);
    setPending(false);
    if (!result.ok) setError(result.message);
    router.refresh();
  }

  async function onReset(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setResetError("");
    const result = await callSettingsApi<{ generatedPassword: string | null }>("POST", `${url}/password`, { password: String(data.get("password") ?? "") });
    if (!result.ok) {
      setResetError(result.fields.password ? `Password ${result.fields.password}.` : result.message);
      return;
    }
    setResetting(false);
    setNewPassword(result.data.generatedPassword);
    setResetDone(true);
    router.refresh();
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <label className="sr-only" htmlFor={`role-${user.id}`}>Role of {user.email}</label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          disabled={pending}
          onChange={(event) => void update({ role: event.target.value as Role })}
          className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        >
          <option value="instructor">instructor</option>
          <option value="admin">admin</option>
        </select>
        {user.disabled ? (
          <button type="button" className={secondaryButtonClass} disabled={pending} onClick={() => void update({ disabled: false })}>
            Enable
          </button>
        ) : (
          <ConfirmButton label="Disable" confirmLabel={`Disable ${user.email}`} disabled={pending || isLastAdmin} onConfirm={() => update({ disabled: true })} />
        )}
        <button type="button" className={secondaryButtonClass} onClick={() => { setResetting(!resetting); setResetDone(false); setNewPassword(null); }}>
          Reset password
        </button>
      </div>
      {isLastAdmin ? <p className="text-xs text-slate-500">The last enabled admin cannot be disabled or made an instructor.</p> : null}
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {resetting ? (
        <form onSubmit={onReset} className="flex flex-wrap items-end gap-2" noValidate aria-label={`Reset the password of ${user.email}`}>
          <div>
            <label htmlFor={`password-${user.id}`} className="block text-xs text-slate-600">New password (empty: generate one)</label>
            <input id={`password-${user.id}`} name="password" type="password" autoComplete="new-password" minLength={minPasswordLength} className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
          </div>
          <button type="submit" className={secondaryButtonClass}>Set password</button>
          {resetError ? <p role="alert" className="w-full text-sm text-red-700">{resetError}</p> : null}
        </form>
      ) : null}
      {resetDone && newPassword ? (
        <ShownOnce title={`New password for ${user.email}:`} value={newPassword} testId="reset-password" onDismiss={() => { setNewPassword(null); setResetDone(false); }} />
      ) : null}
      {resetDone && !newPassword ? <p role="status" className="text-sm text-emerald-800">Password changed.</p> : null}
    </div>
  );
}
