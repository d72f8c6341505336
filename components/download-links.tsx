/** CSV downloads of what the page shows, with the page's filters. */
export function DownloadLinks({ links, note }: { links: { href: string; label: string }[]; note?: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      {links.map((link) => (
        <a
          key={link.href}
          href={link.href}
          download
          className="inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        >
          <span aria-hidden="true">↓</span> {link.label}
        </a>
      ))}
      {note ? <span className="text-xs text-slate-600">{note}</span> : null}
    </div>
  );
}
