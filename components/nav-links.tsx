"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { NavItem } from "./app-shell";

export function NavLinks({ items, vertical = false }: { items: NavItem[]; vertical?: boolean }) {
  const pathname = usePathname();
  const isActive = (href: string) =>
    href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href.split("/").slice(0, 2).join("/")}/`) || pathname === href.split("/").slice(0, 2).join("/");
  return (
    <nav aria-label="Main" className={`flex gap-1 text-sm ${vertical ? "flex-col" : "flex-wrap"}`}>
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={isActive(item.href) ? "page" : undefined}
          className="rounded-md px-3 py-1.5 text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:font-medium aria-[current=page]:text-indigo-800"
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}
