import type { Metadata } from "next";
import { headers } from "next/headers";
import { requireUser } from "@/lib/auth/guard";
import { webhookOverview } from "@/lib/settings/webhook-overview";
import { formatDateTime, relativeTime } from "../_components/format";
import { CopyButton } from "../_components/ui";
import { RemoveSecretButton, SecretForm, TestEventForm } from "./webhook-forms";

export const metadata: Metadata = { title: "Webhook" };

const refusalLabels: Record<string, string> = {
  bad_signature: "signature did not match any active secret",
  no_secret_configured: "no signing secret was set",
  stale_timestamp: "timestamp more than 5 minutes off",
  missing_headers: "missing or malformed svix headers",
  too_large: "body over 1 MiB",
  bad_json: "body was not a JSON event",
};

export default async function WebhookSettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/webhook" });
  const overview = await webhookOverview(await headers());
  const now = new Date();

  return (
    <div className="space-y-8">
      <section aria-labelledby="endpoint-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="endpoint-heading" className="text-base font-semibold">Endpoint URL</h2>
        <p className="mt-1 text-sm text-slate-600">
          In Instruqt, open <strong>Settings → Webhooks → Add Endpoint</strong> and paste this URL.
        </p>
        {overview.endpoint ? (
          <div className="mt-3 flex flex-wrap items-center gap-2">
            <code data-testid="endpoint-url" className="select-all break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm">
              {overview.endpoint.url}
            </code>
            <CopyButton value={overview.endpoint.url} />
          </div>
        ) : (
          <p className="mt-3 text-sm text-red-700">The request named no usable host: set CAIRN_PUBLIC_URL.</p>
        )}
        {overview.endpoint?.source === "request" ? (
          <p className="mt-2 text-xs text-slate-500">
            Taken from the address you reached this page at. If Instruqt reaches Cairn at another address, set CAIRN_PUBLIC_URL.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="secrets-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="secrets-heading" className="text-base font-semibold">Signing secrets</h2>
        <p className="mt-1 text-sm text-slate-600">
          Instruqt signs every delivery with the endpoint&apos;s secret (<code>whsec_…</code>). Cairn refuses what no active secret
          verifies. Secrets are stored encrypted; only their last characters are shown.
        </p>
        {overview.secrets.length === 0 ? (
          <p role="status" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            No signing secret yet: Cairn refuses every delivery until you set one.
          </p>
        ) : (
          <table className="stack-table mt-4 w-full text-left text-sm" data-testid="secrets-table">
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2 pr-4 font-medium">Secret</th>
                <th className="py-2 pr-4 font-medium">Added</th>
                <th className="py-2 pr-4 font-medium">Verifies</th>
                <th className="py-2 font-medium"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {overview.secrets.map((secret) => (
                <tr key={secret.id} className="border-b border-slate-100 last:border-0">
                  <td data-label="Secret" className="py-2 pr-4 font-mono">
                    {secret.hint}
                    {!secret.readable ? (
                      <span className="ml-2 rounded bg-red-100 px-1.5 py-0.5 font-sans text-xs text-red-800">
                        unreadable with the current encryption key
                      </span>
                    ) : null}
                  </td>
                  <td data-label="Added" className="py-2 pr-4">
                    {formatDateTime(secret.createdAt)}
                    {secret.createdBy ? <span className="block text-xs text-slate-500">by {secret.createdBy}</span> : null}
                  </td>
                  <td data-label="Verifies" className="py-2 pr-4">
                    {secret.expiresAt ? (
                      <>
                        until {formatDateTime(secret.expiresAt, { seconds: true })}
                        <span className="block text-xs text-slate-500">{relativeTime(secret.expiresAt, now)} (grace period)</span>
                      </>
                    ) : (
                      <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs font-medium text-emerald-800">current</span>
                    )}
                  </td>
                  <td className="py-2 text-right">
                    <RemoveSecretButton id={secret.id} hint={secret.hint} last={overview.secrets.length === 1} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <SecretForm
          hasSecret={overview.secrets.length > 0}
          defaultGraceHours={overview.defaultGraceHours}
          maxGraceHours={overview.maxGraceHours}
        />
      </section>

      <section aria-labelledby="test-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="test-heading" className="text-base font-semibold">Send a test event</h2>
        <p className="mt-1 text-sm text-slate-600">
          Cairn signs an example event with its newest active secret, exactly as Instruqt would, and posts it to its own endpoint.
          Test events show in the delivery log and never count toward progress.
        </p>
        <TestEventForm eventTypes={[...overview.eventTypes]} targets={overview.testTargets} disabled={overview.secrets.length === 0} />
      </section>

      <section aria-labelledby="health-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="health-heading" className="text-base font-semibold">Recent deliveries</h2>
        <p className="mt-2 text-sm text-slate-700">
          Last stored delivery:{" "}
          {overview.lastDelivery
            ? (
              <>
                {formatDateTime(overview.lastDelivery.receivedAt, { seconds: true })} (<bdi>{overview.lastDelivery.type}</bdi>, {overview.lastDelivery.outcome})
              </>
            )
            : "none yet"}
        </p>
        {overview.refusedLastDay.length > 0 ? (
          <div className="mt-3">
            <p className="text-sm text-slate-700">Refused in the last 24 hours:</p>
            <ul className="mt-1 list-disc pl-5 text-sm text-slate-700" data-testid="refusals">
              {overview.refusedLastDay.map((row) => (
                <li key={row.reason}>
                  {row.count} × {refusalLabels[row.reason] ?? row.reason}, last at {formatDateTime(row.lastSeenAt, { seconds: true })}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="mt-1 text-sm text-slate-500">No delivery was refused in the last 24 hours.</p>
        )}
      </section>
    </div>
  );
}
