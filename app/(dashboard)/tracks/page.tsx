import type { Metadata } from "next";
import { ConnectInstruqt } from "@/components/connect-instruqt";
import { LiveRefresh } from "@/components/live-refresh";
import { PageHeader } from "@/components/page-header";
import { TrackTable } from "@/components/track-table";
import { requireUser } from "@/lib/auth/guard";
import { trackSummaries } from "@/lib/dashboard/tracks";
import { webhookEndpointUrl } from "@/lib/dashboard/webhook-endpoint";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Tracks" };

export default async function TracksPage() {
  const user = await requireUser();
  const now = new Date();
  const tracks = await trackSummaries();
  return (
    <>
      <PageHeader
        title="Tracks"
        description="Every track learners have played, most recently active first. Open one for its challenge funnel."
        actions={<LiveRefresh renderedAt={now.toISOString()} />}
      />
      {tracks.length > 0 ? (
        <TrackTable tracks={tracks} now={now} caption="Tracks" />
      ) : (
        <ConnectInstruqt endpointUrl={await webhookEndpointUrl()} isAdmin={user.role === "admin"} />
      )}
    </>
  );
}
