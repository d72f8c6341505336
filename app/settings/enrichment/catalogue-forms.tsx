"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { refreshTitlesAction } from "./catalogue-actions";

function Submit() {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      disabled={pending}
      className="inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 disabled:opacity-60"
    >
      Refresh titles
    </button>
  );
}

export function RefreshTitlesForm() {
  const [state, refresh] = useActionState(refreshTitlesAction, null);
  return (
    <form action={refresh}>
      <Submit />
      {state ? (
        <p role={state.ok ? "status" : "alert"} data-testid="refresh-titles-result" className={`mt-3 rounded-md px-3 py-2 text-sm ${state.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
