import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutcomeBadge } from "@/components/badges";
import { formatDateTime } from "@/components/format";
import { PageHeader } from "@/components/page-header";
import { requireUser } from "@/lib/auth/guard";
import { deliveryEvent } from "@/lib/dashboard/delivery-log";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Event ${(await params).id}` };
}

/** One stored event with its whole payload (the log shows at most the first 20 000 characters). */
export default async function EventPage({ params }: { params: Params }) {
  await requireUser();
  const { id } = await params;
  if (!/^[1-9]\d{0,18}$/.test(id)) notFound();
  const event = await deliveryEvent(BigInt(id));
  if (!event) notFound();

  const facts: [string, React.ReactNode][] = [
    ["Svix message id", <span key="svix" className="font-mono">{event.svixId}</span>],
    ["Received", formatDateTime(event.receivedAt, { seconds: true })],
    ["Timestamp as sent", <span key="ts" className="font-mono">{event.timestampRaw ?? "—"}</span>],
    ["Participant (play)", <span key="p" className="font-mono">{event.participantId ?? "—"}</span>],
    [
      "User",
      event.userId && event.outcome !== "test" ? (
        <Link key="u" href={`/learners/${encodeURIComponent(event.userId)}`} className="font-mono text-indigo-800 hover:underline">
          {event.userId}
        </Link>
      ) : (
        <span key="u" className="font-mono">{event.userId ?? "—"}</span>
      ),
    ],
    ["Track", <span key="t" className="font-mono">{event.trackId ?? "—"}</span>],
    ["Invite", <span key="i" className="font-mono">{event.inviteId ?? "—"}</span>],
  ];

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/events" className="text-indigo-800 hover:underline">
            ← Delivery log
          </Link>
        }
        title={<span className="font-mono">{event.type}</span>}
        description={<>Event {event.id}</>}
        actions={<OutcomeBadge outcome={event.outcome} />}
      />
      {event.error ? (
        <p className="mb-4 rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-900">
          Not projected: {event.error}
        </p>
      ) : null}
      <dl className="mb-6 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt className="text-xs font-medium text-slate-600">{label}</dt>
            <dd className="text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <h2 className="mb-2 text-lg font-semibold">Payload</h2>
      <pre className="max-h-[70vh] overflow-auto rounded-lg bg-slate-900 p-4 font-mono text-xs text-slate-100">{event.payloadPreview}</pre>
    </>
  );
}
