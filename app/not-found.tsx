import type { Metadata } from "next";
import { StatusMessage, StatusShell } from "@/components/status-page";
import { currentUser } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Not found" };

/** An address no route serves, inside the app's frame so the way back is one click away. */
export default async function NotFound() {
  // A database that is down must not turn a 404 into a 500: the page then shows without the menu.
  const user = await currentUser().catch(() => null);
  return (
    <StatusShell user={user}>
      <StatusMessage
        code={404}
        title="There is no page here"
        links={[
          { href: "/", label: "Overview" },
          { href: "/tracks", label: "Tracks" },
          { href: "/learners", label: "Learners" },
          { href: "/events", label: "Delivery log" },
        ]}
      >
        <p>The address may be mistyped, or the page may have moved.</p>
      </StatusMessage>
    </StatusShell>
  );
}
