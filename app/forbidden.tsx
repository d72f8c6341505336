import { StatusMessage, StatusShell } from "@/components/status-page";
import { currentUser } from "@/lib/auth/guard";

/** An instructor on an admin page: the app shell stays, so every page they may see is one click away. */
export default async function Forbidden() {
  const user = await currentUser().catch(() => null);
  return (
    <StatusShell user={user}>
      <StatusMessage code={403} title="Admins only" links={[{ href: "/", label: "Back to the overview" }]}>
        <p>Your account can see every dashboard and export, but not this page.</p>
      </StatusMessage>
    </StatusShell>
  );
}
