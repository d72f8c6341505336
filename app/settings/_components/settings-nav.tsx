"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const items = [
  { href: "/settings/webhook", label: "Webhook" },
  { href: "/settings/users", label: "Users" },
  { href: "/settings/tokens", label: "API tokens" },
  { href: "/settings/audit", label: "Audit log" },
  { href: "/settings/enrichment", label: "Enrichment" },
  { href: "/settings/backfill", label: "Backfill" },
  { href: "/settings/identity", label: "Identity" },
  { href: "/settings/alerts", label: "Alerts" },
];

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="flex flex-wrap gap-1 text-sm md:flex-col">
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={pathname === item.href || pathname.startsWith(`${item.href}/`) ? "page" : undefined}
          className="rounded-md px-3 py-1.5 text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:font-medium aria-[current=page]:text-indigo-800"
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}
