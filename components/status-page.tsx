import Link from "next/link";
import type { AppUser } from "@/lib/auth/guard";
import { AppShell } from "./app-shell";

/** The body of a 404 or 403: what happened, and where to go from here. */
export function StatusMessage({
  code,
  title,
  children,
  links,
}: {
  code: 403 | 404;
  title: string;
  children: React.ReactNode;
  links: { href: string; label: string }[];
}) {
  return (
    <div className="mx-auto max-w-lg py-12 text-center" data-status-code={code}>
      <p className="text-sm font-semibold tracking-wide text-indigo-800">{code === 404 ? "404 · Not found" : "403 · Forbidden"}</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">{title}</h1>
      <div className="mt-2 text-slate-600">{children}</div>
      <ul className="mt-6 flex flex-wrap justify-center gap-3">
        {links.map((link) => (
          <li key={link.href}>
            <Link
              href={link.href}
              className="inline-block rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-indigo-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
            >
              {link.label}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A status page outside the dashboard layouts (an unknown route, a 403 thrown by a layout): the
 * app shell when someone is signed in, else the brand and a way to sign in, with the same
 * landmarks either way.
 */
export function StatusShell({ user, children }: { user: AppUser | null; children: React.ReactNode }) {
  if (user) return <AppShell user={user}>{children}</AppShell>;
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center justify-between px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight text-slate-900">
            Cairn
          </Link>
          <Link href="/signin" className="text-sm text-indigo-800 underline">
            Sign in
          </Link>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
