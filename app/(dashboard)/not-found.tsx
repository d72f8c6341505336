import { StatusMessage } from "@/components/status-page";

/** A track, learner or event that does not exist; rendered inside the dashboard's app shell. */
export default function NotFound() {
  return (
    <StatusMessage
      code={404}
      title="Not found"
      links={[
        { href: "/tracks", label: "Tracks" },
        { href: "/learners", label: "Learners" },
        { href: "/events", label: "Delivery log" },
      ]}
    >
      <p>No track, learner or event has this address. It may have a different id or slug.</p>
    </StatusMessage>
  );
}
