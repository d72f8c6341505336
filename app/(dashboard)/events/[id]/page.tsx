import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutcomeBadge } from "@/components/badges";
import { formatDateTime } from "@/components/format";
import { escapeBidiControls, LongText } from "@/components/outside-text";
import { PageHeader } from "@/components/page-header";
import { requireUser } from "@/lib/auth/guard";
import { deliveryEvent } from "@/lib/dashboard/delivery-log";
import { trackPath } from "@/lib/dashboard/tracks";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Event ${(await params).id}` };
}

/** A title over the id it names, or the id alone as before titles existed. */
const titledFact = (title: string | null, id: React.ReactNode) =>
  title ? (
    <>
      <LongText value={title} limit={200} />
      <span className="block text-xs text-slate-600">{id}</span>
    </>
  ) : (
    id
  );

/** One stored event with its whole payload (the log shows at most the first 20 000 characters). */
export default async function EventPage({ params }: { params: Params }) {
  await requireUser();
  const { id } = await params;
  if (!/^[1-9]\d{0,18}$/.test(id)) notFound();
  const event = await deliveryEvent(BigInt(id));
  if (!event) notFound();

  // Test deliveries are never projected: their ids lead nowhere, so they stay plain text.
  const projected = event.outcome !== "test";
  const learnerHref = event.userId && projected ? `/learners/${encodeURIComponent(event.userId)}` : null;
  const plain = (value: string | null) => (value ? <LongText value={value} limit={200} mono /> : "—");
  const linked = (href: string | null, value: string | null) =>
    value && href ? (
      <Link href={href} className="text-indigo-800 hover:underline">
        <LongText value={value} limit={200} mono />
      </Link>
    ) : (
      plain(value)
    );

  const facts: [string, React.ReactNode][] = [
    ["Svix message id", plain(event.svixId)],
    ["Received", formatDateTime(event.receivedAt, { seconds: true })],
    ["Timestamp as sent", plain(event.timestampRaw)],
    // A play is shown as a card on its learner's page.
    ["Participant (play)", linked(learnerHref && event.participantId ? `${learnerHref}#play-${encodeURIComponent(event.participantId)}` : null, event.participantId)],
    ["User", linked(learnerHref, event.userId)],
    ["Track", titledFact(event.trackTitle, linked(event.trackId && projected ? trackPath(event.trackId) : null, event.trackId))],
    ...(event.challengeId ? [["Challenge", titledFact(event.challengeTitle, plain(event.challengeId))] as [string, React.ReactNode]] : []),
    ["Invite", linked(event.inviteId && projected ? `/learners?invite=${encodeURIComponent(event.inviteId)}` : null, event.inviteId)],
  ];

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/events" className="text-indigo-800 hover:underline">
            ← Delivery log
          </Link>
        }
        title={<LongText value={event.type} limit={200} mono />}
        description={<>Event {event.id}</>}
        actions={<OutcomeBadge outcome={event.outcome} />}
      />
      {event.error ? (
        <p className="mb-4 rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-900">
          Not projected: <LongText value={event.error} limit={500} />
        </p>
      ) : null}
      <dl className="mb-6 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        {facts.map(([label, value]) => (
          <div key={label} className="min-w-0">
            <dt className="text-xs font-medium text-slate-600">{label}</dt>
            <dd className="text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <h2 className="mb-2 text-lg font-semibold">Payload</h2>
      <pre
        tabIndex={0}
        role="group"
        aria-label="Payload"
        className="max-h-[70vh] overflow-auto rounded-lg bg-slate-900 p-4 font-mono text-xs text-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        {escapeBidiControls(event.payloadPreview)}
      </pre>
    </>
  );
}
