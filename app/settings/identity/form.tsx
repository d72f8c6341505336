"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { saveIdentityAction } from "./actions";

const input =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

function Save() {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      disabled={pending}
      className="inline-flex items-center justify-center rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700 disabled:cursor-not-allowed disabled:opacity-60"
    >
      Save
    </button>
  );
}

export interface IdentityFormProps {
  fields: { name: string; label: string; help: string; value: string; placeholder: string }[];
}

/** Three comma-separated lists of custom parameter keys, saved together. */
export function IdentityForm({ fields }: IdentityFormProps) {
  const [state, save] = useActionState(saveIdentityAction, null);
  return (
    <form action={save} className="space-y-4">
      {fields.map((field) => (
        <div key={field.name}>
          <label htmlFor={field.name} className="block text-sm font-medium text-slate-800">
            {field.label}
          </label>
          <p id={`${field.name}-help`} className="text-sm text-slate-600">
            {field.help}
          </p>
          <input
            id={field.name}
            name={field.name}
            defaultValue={field.value}
            placeholder={field.placeholder}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${field.name}-help`}
            className={input}
          />
        </div>
      ))}
      <Save />
      {state ? (
        <p
          key={state.at}
          role={state.ok ? "status" : "alert"}
          data-testid="identity-result"
          className={`rounded-md px-3 py-2 text-sm ${state.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}
        >
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
