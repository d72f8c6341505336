import type { Metadata } from "next";
import Link from "next/link";
import { OutcomeBadge } from "@/components/badges";
import { ConnectInstruqt, EmptyState } from "@/components/connect-instruqt";
import { TableFrame, Td, Th } from "@/components/data-table";
import { DateField, FilterForm, SelectField } from "@/components/filter-form";
import { formatDateTime, formatNumber } from "@/components/format";
import { IgnoredParams } from "@/components/ignored-params";
import { escapeBidiControls, LongText, OutsideText } from "@/components/outside-text";
import { PageHeader, Section } from "@/components/page-header";
import { requireUser } from "@/lib/auth/guard";
import {
  deliveryLog,
  EVENT_OUTCOMES,
  eventTypesSeen,
  OUTCOME_LABELS,
  REFUSED_WINDOWS,
  refusedDeliveries,
  type RefusedWindow,
} from "@/lib/dashboard/delivery-log";
import { choiceParam, choiceWithDefault, idParam, instantParam, parseParams, queryString, textParam, type RawSearchParams } from "@/lib/dashboard/query-params";
import { activityWindow } from "@/lib/dashboard/time-window";
import { webhookEndpointUrl } from "@/lib/dashboard/webhook-endpoint";
import { eventTypes } from "@/lib/instruqt/events";
import { projectionLag } from "@/lib/progress/projector";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Delivery log" };

const REFUSED_WINDOW_NAMES = Object.keys(REFUSED_WINDOWS) as [RefusedWindow, ...RefusedWindow[]];

const shape = {
  type: textParam(100),
  outcome: choiceParam(EVENT_OUTCOMES),
  from: instantParam,
  to: instantParam,
  before: idParam,
  refused: choiceWithDefault(REFUSED_WINDOW_NAMES, "24h"),
};

const REFUSAL_REASONS: Record<string, string> = {
  missing_headers: "No svix-id, svix-timestamp or svix-signature header: not sent by Svix.",
  bad_signature: "The signature matches no active signing secret: check the secret in Settings → Webhook.",
  stale_timestamp: "Signed more than 5 minutes away from now: a replayed request, or a clock that is off.",
  no_secret_configured: "Cairn has no signing secret yet, so it cannot verify anything.",
  too_large: "The body was over 1 MiB.",
  bad_json: "Verified, but the body is not a JSON object with a string type.",
};

export default async function DeliveryLogPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser();
  const { values, ignored } = parseParams(shape, await searchParams);
  const window = activityWindow(values.from, values.to);

  const [log, typesSeen, refused, lag] = await Promise.all([
    deliveryLog({
      type: values.type,
      outcome: values.outcome,
      window,
      before: values.before === undefined ? undefined : BigInt(values.before),
    }),
    eventTypesSeen(),
    refusedDeliveries(REFUSED_WINDOWS[values.refused]),
    projectionLag(),
  ]);

  const typeChoices = [...new Set([...eventTypes, ...typesSeen])].sort();
  const filterQuery = { type: values.type, outcome: values.outcome, from: values.from, to: values.to };
  const refusedQuery = { ...filterQuery, before: values.before };
  const refusedTotal = refused.reduce((sum, row) => sum + row.count, 0);
  const filtered = Object.values(filterQuery).some((value) => value !== undefined) || values.before !== undefined;

  return (
    <>
      <PageHeader
        title="Delivery log"
        description="Every event Cairn stored, newest first, exactly as Instruqt sent it. Test deliveries are listed here and counted nowhere else."
      />
      <IgnoredParams names={ignored} />
      {/* Progress is derived after the acknowledgement: say how far behind it is. */}
      <p data-testid="projection-lag" className="mb-4 text-sm text-slate-600">
        {lag.pending_events === 0
          ? "Projection: up to date — every stored event shows in progress."
          : `Projection: ${formatNumber(lag.pending_events)} event${lag.pending_events === 1 ? "" : "s"} waiting, the oldest for ${formatNumber(Math.round(lag.lag_seconds))} s.`}
      </p>

      <Section
        id="refused"
        title="Refused requests"
        description="Requests the webhook turned away before storing anything, by reason."
        actions={
          <nav aria-label="Refused requests window" className="flex gap-1 text-sm">
            {REFUSED_WINDOW_NAMES.map((name) => (
              <Link
                key={name}
                href={`/events${queryString({ ...refusedQuery, refused: name === "24h" ? undefined : name })}`}
                aria-current={values.refused === name ? "true" : undefined}
                className="rounded-md border border-slate-300 px-2.5 py-1 text-slate-700 hover:bg-slate-50 aria-[current=true]:border-indigo-300 aria-[current=true]:bg-indigo-50 aria-[current=true]:font-medium aria-[current=true]:text-indigo-800"
              >
                Last {name}
              </Link>
            ))}
          </nav>
        }
      >
        {refused.length > 0 ? (
          <TableFrame caption={`Refused requests in the last ${values.refused}, by reason`}>
            <thead>
              <tr>
                <Th>Reason</Th>
                <Th numeric>Requests</Th>
                <Th>Last seen</Th>
                <Th>What it means</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {refused.map((row) => (
                <tr key={row.reason} data-reason={row.reason}>
                  <Td label="Reason" className="font-mono text-xs text-slate-800">{row.reason}</Td>
                  <Td numeric label="Requests">{formatNumber(row.count)}</Td>
                  <Td label="Last seen" className="whitespace-nowrap text-slate-700">{formatDateTime(row.lastSeenAt)}</Td>
                  <Td label="What it means" className="text-slate-700">{REFUSAL_REASONS[row.reason] ?? "—"}</Td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr className="border-t border-slate-200">
                <Th>Total</Th>
                <Td numeric label="Requests" className="font-semibold">{formatNumber(refusedTotal)}</Td>
                <Td />
                <Td />
              </tr>
            </tfoot>
          </TableFrame>
        ) : (
          <EmptyState title={`No request refused in the last ${values.refused}`} />
        )}
      </Section>

      <Section id="deliveries" title="Stored events">
        <FilterForm action="/events" label="Filter events" resetHref="/events" hidden={{ refused: values.refused === "24h" ? undefined : values.refused }}>
          <SelectField name="type" label="Type" value={values.type} options={typeChoices.map((type) => ({ value: type, label: type }))} anyLabel="Any type" />
          <SelectField
            name="outcome"
            label="Outcome"
            value={values.outcome}
            options={EVENT_OUTCOMES.map((outcome) => ({ value: outcome, label: OUTCOME_LABELS[outcome] }))}
            anyLabel="Any outcome"
          />
          <DateField name="from" label="Received from (UTC)" value={values.from} />
          <DateField name="to" label="Received until (UTC)" value={values.to} />
        </FilterForm>

        {log.rows.length === 0 ? (
          filtered ? (
            <EmptyState title="No stored event matches these filters" />
          ) : (
            <ConnectInstruqt endpointUrl={await webhookEndpointUrl()} isAdmin={user.role === "admin"} />
          )
        ) : (
          <>
            <TableFrame caption="Stored events, newest first">
              <thead>
                <tr>
                  <Th>Received (UTC)</Th>
                  <Th>Type</Th>
                  <Th>Outcome</Th>
                  <Th>Happened (UTC)</Th>
                  <Th>Learner · play</Th>
                  <Th>Payload</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {log.rows.map((row) => (
                  <tr key={row.id} data-event-id={row.id} data-outcome={row.outcome} className={row.outcome === "test" ? "bg-violet-50/50" : ""}>
                    <Td label="Received (UTC)" className="whitespace-nowrap font-mono text-xs">
                      <Link href={`/events/${row.id}`} className="text-indigo-800 underline decoration-indigo-200 hover:decoration-indigo-800" aria-label={`Event ${row.id}, received ${formatDateTime(row.receivedAt, { seconds: true })}`}>
                        {formatDateTime(row.receivedAt, { seconds: true }).replace(" UTC", "")}
                      </Link>
                    </Td>
                    <Td label="Type">
                      <OutsideText value={row.type} mono maxWidth="max-w-[14rem]" className="text-xs text-slate-900" />
                      <OutsideText value={row.svixId} mono maxWidth="max-w-[14rem]" block className="text-[11px] text-slate-500" />
                      {row.trackTitle ? (
                        <OutsideText
                          value={row.challengeTitle ? `${row.trackTitle} · ${row.challengeTitle}` : row.trackTitle}
                          maxWidth="max-w-[14rem]"
                          block
                          className="text-xs text-slate-700"
                        />
                      ) : null}
                    </Td>
                    <Td label="Outcome">
                      <OutcomeBadge outcome={row.outcome} />
                      {row.error ? (
                        <span className="mt-1 block max-w-xs text-xs text-rose-800">
                          <LongText value={row.error} limit={200} />
                        </span>
                      ) : null}
                    </Td>
                    <Td label="Happened (UTC)" className="whitespace-nowrap font-mono text-xs text-slate-700">
                      <span title={row.timestampRaw ?? undefined}>
                        {row.occurredAt ? formatDateTime(row.occurredAt, { seconds: true }).replace(" UTC", "") : "—"}
                      </span>
                    </Td>
                    <Td label="Learner · play" className="text-xs">
                      {row.userId && row.outcome !== "test" ? (
                        <Link href={`/learners/${encodeURIComponent(row.userId)}`} className="text-indigo-800 hover:underline">
                          <OutsideText value={row.userId} mono maxWidth="max-w-[12rem]" />
                        </Link>
                      ) : row.userId ? (
                        <OutsideText value={row.userId} mono maxWidth="max-w-[12rem]" className="text-slate-600" />
                      ) : (
                        <span className="text-slate-600">—</span>
                      )}
                      {row.participantId ? (
                        <OutsideText value={row.participantId} mono maxWidth="max-w-[12rem]" block className="text-slate-500" />
                      ) : null}
                    </Td>
                    <Td label="Payload">
                      <details>
                        <summary className="cursor-pointer rounded text-sm text-indigo-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
                          JSON
                        </summary>
                        <pre
                          tabIndex={0}
                          role="group"
                          aria-label={`Payload of event ${row.id}`}
                          className="mt-2 max-h-96 max-w-[min(36rem,80vw)] overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                        >
                          {escapeBidiControls(row.payloadPreview)}
                        </pre>
                        {row.payloadTruncated ? (
                          <Link href={`/events/${row.id}`} className="mt-1 inline-block text-xs text-indigo-800 underline">
                            Payload cut short here: open the whole event
                          </Link>
                        ) : (
                          <Link href={`/events/${row.id}`} className="mt-1 inline-block text-xs text-indigo-800 underline">
                            Open this event
                          </Link>
                        )}
                      </details>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </TableFrame>
            <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-end gap-2 text-sm">
              {values.before !== undefined ? (
                <Link
                  href={`/events${queryString({ ...filterQuery, refused: values.refused === "24h" ? undefined : values.refused })}`}
                  className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-50"
                >
                  Newest
                </Link>
              ) : null}
              {log.nextBefore ? (
                <Link
                  href={`/events${queryString({ ...filterQuery, refused: values.refused === "24h" ? undefined : values.refused, before: log.nextBefore })}`}
                  rel="next"
                  className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-50"
                >
                  Older
                </Link>
              ) : (
                <span className="text-slate-600">End of the log</span>
              )}
            </nav>
          </>
        )}
      </Section>
    </>
  );
}
