import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { requireUser } from "@/lib/auth/guard";
import { SettingsNav } from "./_components/settings-nav";

export const metadata: Metadata = { title: { default: "Settings", template: "%s · Settings · Cairn" } };

/** Admins only: instructors get the 403 page here (and each page checks again on its own). */
export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser({ role: "admin", callbackUrl: "/settings" });
  return (
    <AppShell user={user}>
      <div className="flex flex-col gap-6 md:flex-row">
        <aside className="md:w-48 md:shrink-0">
          <h1 className="mb-3 text-lg font-semibold">Settings</h1>
          <SettingsNav />
        </aside>
        <div className="min-w-0 flex-1">{children}</div>
      </div>
    </AppShell>
  );
}
