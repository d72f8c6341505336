/** `?bom=1`: the same CSV with a UTF-8 byte-order mark, which Excel needs to read accents and emoji. */
export function withBom(href: string): string {
  return `${href}${href.includes("?") ? "&" : "?"}bom=1`;
}

/** CSV downloads of what the page shows, with the page's filters; each also "for Excel". */
export function DownloadLinks({ links, note }: { links: { href: string; label: string }[]; note?: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      {links.map((link) => (
        <span key={link.href} className="inline-flex items-stretch rounded-md border border-slate-300 bg-white" role="group" aria-label={link.label}>
          <a
            href={link.href}
            download
            className="inline-flex items-center gap-1 rounded-l-md px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
          >
            <span aria-hidden="true">↓</span> {link.label}
          </a>
          <a
            href={withBom(link.href)}
            download
            aria-label={`${link.label} for Excel`}
            title="The same file with a byte-order mark, so Excel reads accents and non-Latin names correctly"
            className="inline-flex items-center rounded-r-md border-l border-slate-300 px-2 py-1.5 text-xs text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
          >
            for Excel
          </a>
        </span>
      ))}
      {note ? <span className="text-xs text-slate-600">{note}</span> : null}
    </div>
  );
}
