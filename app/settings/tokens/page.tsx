import type { Metadata } from "next";
import { headers } from "next/headers";
import { requireUser } from "@/lib/auth/guard";
import { listApiTokens } from "@/lib/auth/token-admin";
import { env } from "@/lib/env";
import { publicBaseUrl } from "@/lib/webhooks/endpoint";
import { formatDateTime } from "../_components/format";
import { CreateTokenForm, RevokeTokenButton } from "./token-forms";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensSettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/tokens" });
  const [tokens, requestHeaders] = await Promise.all([listApiTokens(), headers()]);
  const base = publicBaseUrl(env().CAIRN_PUBLIC_URL, requestHeaders)?.url ?? "https://cairn.example.com";

  return (
    <div className="space-y-8">
      <section aria-labelledby="tokens-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="tokens-heading" className="text-base font-semibold">API tokens</h2>
        <p className="mt-1 text-sm text-slate-600">
          For scripts, an LMS or a CRM pulling Cairn&apos;s exports. Tokens are read-only: they can read exports and read APIs, never
          change settings. Send one as <code className="text-xs">Authorization: Bearer &lt;token&gt;</code>, for example{" "}
          <code className="break-all text-xs">curl -H &quot;Authorization: Bearer $CAIRN_TOKEN&quot; {base}/api/me</code>.
        </p>
        {tokens.length === 0 ? (
          <p className="mt-4 text-sm text-slate-500">No token yet.</p>
        ) : (
          <div className="mt-4 overflow-x-auto">
            <table className="stack-table w-full text-left text-sm" data-testid="tokens-table">
              <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Name</th>
                  <th className="py-2 pr-4 font-medium">Token</th>
                  <th className="py-2 pr-4 font-medium">Created</th>
                  <th className="py-2 pr-4 font-medium">Last used</th>
                  <th className="py-2 pr-4 font-medium">Status</th>
                  <th className="py-2 font-medium"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id} data-token-name={token.name} className="border-b border-slate-100 last:border-0">
                    <td data-label="Name" className="py-2 pr-4 font-medium">{token.name}</td>
                    <td data-label="Token" className="py-2 pr-4 font-mono text-xs">
                      {token.prefix}…<span className="ml-1 font-sans text-slate-500">{token.scope}</span>
                    </td>
                    <td data-label="Created" className="py-2 pr-4">
                      {formatDateTime(token.createdAt)}
                      {token.createdBy ? <span className="block text-xs text-slate-500">by {token.createdBy}</span> : null}
                    </td>
                    <td data-label="Last used" className="py-2 pr-4">{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : "never"}</td>
                    <td data-label="Status" className="py-2 pr-4">
                      {token.revokedAt ? (
                        <span className="rounded bg-slate-200 px-1.5 py-0.5 text-xs text-slate-700">{`revoked ${formatDateTime(token.revokedAt)}`}</span>
                      ) : (
                        <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs text-emerald-800">active</span>
                      )}
                    </td>
                    <td className="py-2 text-right">{token.revokedAt ? null : <RevokeTokenButton id={token.id} name={token.name} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="new-token-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="new-token-heading" className="text-base font-semibold">Create a token</h2>
        <CreateTokenForm />
      </section>
    </div>
  );
}
