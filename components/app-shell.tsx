import Link from "next/link";
import type { AppUser } from "@/lib/auth/guard";
import { MobileMenu } from "./mobile-menu";
import { NavLinks } from "./nav-links";
import { OutsideText } from "./outside-text";
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
        <div className="mx-auto flex max-w-7xl items-center gap-x-6 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight text-slate-900">
            {/* eslint-disable-next-line @next/next/no-img-element -- a 24 px icon; next/image would add nothing */}
            <img src="/favicon.ico" alt="" width={24} height={24} />
            Cairn
          </Link>
          {/* From md up: one row. Below: the brand and a menu (one row too). */}
          <div className="hidden md:contents">
            <NavLinks items={items} />
            <div className="ml-auto flex min-w-0 items-center gap-3 text-sm text-slate-600">
              <Who user={user} />
              <SignOutButton />
            </div>
          </div>
          <MobileMenu>
            <NavLinks items={items} vertical />
            <div className="mt-3 flex flex-col items-start gap-2 border-t border-slate-200 pt-3 text-sm text-slate-600">
              <Who user={user} />
              <SignOutButton />
            </div>
          </MobileMenu>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}

function Who({ user }: { user: AppUser }) {
  return (
    <span className="flex min-w-0 items-center gap-1">
      <OutsideText value={user.email} maxWidth="max-w-[14rem]" />
      <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{user.role}</span>
    </span>
  );
}
