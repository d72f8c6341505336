import Link from "next/link";
import { CopyButton } from "./copy-button";

/**
 * What a new admin sees before the first delivery: how to point Instruqt at Cairn. The same steps
 * as the README's "Connecting Instruqt".
 */
export function ConnectInstruqt({ endpointUrl, isAdmin }: { endpointUrl: string; isAdmin: boolean }) {
  return (
    <section
      aria-labelledby="connect-heading"
      className="rounded-lg border border-indigo-200 bg-indigo-50/60 p-5 text-sm text-slate-800"
    >
      <h2 id="connect-heading" className="text-base font-semibold text-slate-900">
        No events yet: connect Instruqt
      </h2>
      <p className="mt-1 text-slate-700">
        Cairn fills in as soon as Instruqt sends its first webhook. It takes two minutes:
      </p>
      <ol className="mt-3 list-decimal space-y-2 pl-5">
        <li>
          In Instruqt, open <strong>Settings → Webhooks → Add Endpoint</strong>.
        </li>
        <li>
          <span>Endpoint URL:</span>{" "}
          <code className="break-all rounded bg-white px-1.5 py-0.5 font-mono text-slate-900 ring-1 ring-slate-200" data-testid="webhook-url">
            {endpointUrl}
          </code>{" "}
          <CopyButton value={endpointUrl} label="Copy URL" />
          <span className="mt-1 block text-xs text-slate-600">
            Instruqt must reach this address from the internet; set <code className="font-mono">CAIRN_PUBLIC_URL</code> if
            Cairn sits behind a proxy.
          </span>
        </li>
        <li>
          Copy the endpoint&apos;s <strong>signing secret</strong> (<code className="font-mono">whsec_…</code>) and paste it in
          Cairn&apos;s{" "}
          {isAdmin ? (
            <Link href="/settings/webhook" className="font-medium text-indigo-800 underline">
              Settings → Webhook
            </Link>
          ) : (
            <strong>Settings → Webhook</strong>
          )}
          {isAdmin ? "." : " (ask an admin)."}
        </li>
        <li>
          Send a test event from Instruqt&apos;s <strong>Testing</strong> tab: it appears in the{" "}
          <Link href="/events" className="font-medium text-indigo-800 underline">
            delivery log
          </Link>
          .
        </li>
      </ol>
    </section>
  );
}

/** A quiet "nothing here yet" for a table or chart whose filters match nothing. */
export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
      <p className="font-medium text-slate-800">{title}</p>
      {children ? <div className="mt-1">{children}</div> : null}
    </div>
  );
}
