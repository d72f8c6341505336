"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import {
  purgeAction,
  removeApiKeyAction,
  rerunAction,
  retryFailedAction,
  saveSettingsAction,
  testConnectionAction,
  type ActionResult,
} from "./actions";
import { formatDate } from "./format";

const button =
  "inline-flex items-center justify-center rounded-md px-3 py-2 text-sm font-medium shadow-sm disabled:cursor-not-allowed disabled:opacity-60";
const primary = `${button} bg-indigo-600 text-white hover:bg-indigo-700`;
const secondary = `${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`;
const danger = `${button} bg-red-600 text-white hover:bg-red-700`;
const input =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

function Feedback({ state, testId }: { state: ActionResult; testId: string }) {
  if (!state) return null;
  return (
    <p
      key={state.at}
      role={state.ok ? "status" : "alert"}
      data-testid={testId}
      className={`mt-3 rounded-md px-3 py-2 text-sm ${state.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}
    >
      {state.message}
    </p>
  );
}

function Submit({ children, className, formAction }: { children: React.ReactNode; className: string; formAction?: (form: FormData) => void }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} formAction={formAction}>
      {children}
    </button>
  );
}

export interface ConnectionFormProps {
  enabled: boolean;
  graphqlUrl: string;
  apiKey: { hint: string; setAt: string } | null;
  /** Saved here, and the one in use (saved, else INSTRUQT_TEAM_SLUG). */
  teamSlug: { saved: string | null; active: string | null };
}

/** API key, GraphQL URL, on/off — and "Test connection" on what is typed (or what is saved). */
export function ConnectionForm({ enabled, graphqlUrl, apiKey, teamSlug }: ConnectionFormProps) {
  const [saved, save] = useActionState(saveSettingsAction, null);
  const [tested, test] = useActionState(testConnectionAction, null);
  const [removed, remove] = useActionState(removeApiKeyAction, null);
  return (
    <div>
      <form action={save} className="space-y-4">
        <div>
          <label htmlFor="apiKey" className="block text-sm font-medium text-slate-800">
            Instruqt API key
          </label>
          <p id="apiKey-help" className="text-sm text-slate-600">
            {apiKey ? (
              <>
                Saved: <span className="font-mono" data-testid="api-key-hint">{apiKey.hint}</span> (set{" "}
                {formatDate(apiKey.setAt)}). Type a new key to replace it; leave empty to keep it.
              </>
            ) : (
              "No key saved. Create one in Instruqt under Team settings → API keys."
            )}
          </p>
          <input
            id="apiKey"
            name="apiKey"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={apiKey ? "Leave empty to keep the saved key" : "Paste the API key"}
            aria-describedby="apiKey-help"
            className={`${input} font-mono`}
          />
        </div>
        <div>
          <label htmlFor="graphqlUrl" className="block text-sm font-medium text-slate-800">
            GraphQL URL
          </label>
          <input id="graphqlUrl" name="graphqlUrl" type="url" required defaultValue={graphqlUrl} className={`${input} font-mono`} />
        </div>
        <div>
          <label htmlFor="teamSlug" className="block text-sm font-medium text-slate-800">
            Team slug
          </label>
          <p id="teamSlug-help" className="text-sm text-slate-600">
            Your Instruqt team (organisation) slug: with the API key, Cairn fetches track and challenge titles.
            {teamSlug.saved === null && teamSlug.active ? ` In use from INSTRUQT_TEAM_SLUG: ${teamSlug.active}.` : null}
          </p>
          <input
            id="teamSlug"
            name="teamSlug"
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            defaultValue={teamSlug.saved ?? ""}
            placeholder={teamSlug.active ?? "e.g. my-team"}
            aria-describedby="teamSlug-help"
            className={`${input} font-mono`}
          />
        </div>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" name="enabled" defaultChecked={enabled} className="size-4 rounded border-slate-300" />
          Enrich learners with their names and emails from Instruqt
        </label>
        <div className="flex flex-wrap gap-2">
          <Submit className={primary}>Save</Submit>
          <Submit className={secondary} formAction={test}>
            Test connection
          </Submit>
        </div>
        <Feedback state={saved} testId="save-result" />
        <Feedback state={tested} testId="test-result" />
      </form>
      {apiKey ? (
        <form action={remove} className="mt-4 border-t border-slate-100 pt-4">
          <Submit className={secondary}>Remove API key</Submit>
          <Feedback state={removed} testId="remove-result" />
        </form>
      ) : null}
    </div>
  );
}

/** "Retry failed" and "Re-run enrichment". */
export function QueueActions({ failed }: { failed: number }) {
  const [retried, retry] = useActionState(retryFailedAction, null);
  const [rerun, run] = useActionState(rerunAction, null);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        <form action={retry}>
          <Submit className={secondary}>Retry failed ({failed})</Submit>
        </form>
        <form action={run}>
          <Submit className={secondary}>Re-run enrichment</Submit>
        </form>
      </div>
      <Feedback state={retried} testId="retry-result" />
      <Feedback state={rerun} testId="rerun-result" />
    </div>
  );
}

/** Two steps: open the section, then type PURGE and confirm (native <details>: no script needed). */
export function PurgeForm({ confirmation }: { confirmation: string }) {
  const [purged, purge] = useActionState(purgeAction, null);
  return (
    <details className="group" open={purged !== null}>
      <summary className={`${danger} cursor-pointer list-none`}>Purge personal data…</summary>
      <form action={purge} className="mt-4 space-y-3">
        {purged?.ok ? null : (
          <>
            <label htmlFor="confirm" className="block text-sm text-slate-800">
              This clears the name and email of <strong>every</strong> learner, cancels all enrichment jobs and turns
              enrichment off until it is turned on again. Type <strong className="font-mono">{confirmation}</strong> to
              confirm.
            </label>
            <input id="confirm" name="confirm" autoComplete="off" required className={`${input} max-w-xs font-mono`} />
            <Submit className={danger}>Purge now</Submit>
          </>
        )}
        <Feedback state={purged} testId="purge-result" />
      </form>
    </details>
  );
}
