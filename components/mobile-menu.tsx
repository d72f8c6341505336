"use client";

import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";

/**
 * The navigation on a phone: one row with the brand and a Menu button instead of three rows of
 * links. A <details> works before (and without) JavaScript; this only closes it after a link was
 * followed, since the shell itself stays mounted across client-side navigation.
 */
export function MobileMenu({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const menu = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [pathname]);
  return (
    <details ref={menu} className="group relative ml-auto md:hidden" data-testid="mobile-menu">
      <summary className="flex cursor-pointer list-none items-center gap-1.5 rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 [&::-webkit-details-marker]:hidden">
        <span aria-hidden="true">☰</span> Menu
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-64 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white p-3 shadow-lg">
        {children}
      </div>
    </details>
  );
}
