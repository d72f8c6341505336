import { AppShell } from "@/components/app-shell";
import { requireUser } from "@/lib/auth/guard";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return <AppShell user={user}>{children}</AppShell>;
}
