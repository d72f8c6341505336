import Link from "next/link";
import type { AppUser } from "@/lib/auth/guard";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

export interface NavItem {
  href: string;
  label: string;
}

const dashboardNav: NavItem[] = [
  { href: "/", label: "Overview" },
  { href: "/live", label: "Live" },
  { href: "/tracks", label: "Tracks" },
  { href: "/learners", label: "Learners" },
  { href: "/events", label: "Delivery log" },
];

const adminNav: NavItem[] = [{ href: "/settings/webhook", label: "Settings" }];

/** The frame of every signed-in page: navigation, who is signed in, sign-out. */
export function AppShell({ user, children }: { user: AppUser; children: React.ReactNode }) {
  const items = user.role === "admin" ? [...dashboardNav, ...adminNav] : dashboardNav;
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight text-slate-900">
            Cairn
          </Link>
          <NavLinks items={items} />
          <div className="ml-auto flex items-center gap-3 text-sm text-slate-600">
            <span title={user.role}>
              {user.email} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{user.role}</span>
            </span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
