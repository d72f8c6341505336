/**
 * Text that arrives in webhooks (user ids, slugs, custom parameters, review content, names from
 * enrichment) is written by strangers. Three rules keep it from spoofing or breaking a page:
 * - isolated: inside <bdi>, a U+202E (right-to-left override) or any other direction control
 *   cannot reverse the words around it;
 * - bounded: a long value shows its beginning, with the whole value one click (or hover) away;
 * - wrapping: an unbroken string shown in full wraps anywhere instead of widening the page.
 */

/** For plain-text contexts that cannot hold <bdi> (titles, <option>, SVG, attributes): U+2068 … U+2069. */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * For raw payloads shown as code: direction controls written as JSON escapes ("\u202e"), so the
 * payload reads as sent and one line cannot reorder the next. (Valid JSON either way.)
 */
export function escapeBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The first `limit` code points (never half of a surrogate pair) and whether anything was cut. */
export function clip(text: string, limit: number): { shown: string; cut: boolean } {
  if (text.length <= limit) return { shown: text, cut: false };
  let end = 0;
  for (let points = 0; points < limit && end < text.length; points++) {
    end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  }
  return end >= text.length ? { shown: text, cut: false } : { shown: text.slice(0, end), cut: true };
}

/**
 * A short outside value on one line (ids, slugs, names in tables): cut with an ellipsis at
 * `maxWidth` by CSS, the full value in the tooltip. Where it is a link, the page it opens shows
 * the value in full.
 */
export function OutsideText({
  value,
  className = "",
  maxWidth = "max-w-[16rem]",
  mono = false,
  block = false,
}: {
  value: string;
  className?: string;
  /** A Tailwind max-width class; the value is cut with an ellipsis past it. */
  maxWidth?: string;
  mono?: boolean;
  /** On a line of its own (else inline with the text around it). */
  block?: boolean;
}) {
  const { shown, cut } = clip(value, 300);
  return (
    <bdi
      title={value.slice(0, 2000)}
      data-outside-text=""
      className={`${block ? "block" : "inline-block align-bottom"} truncate ${maxWidth} ${mono ? "font-mono" : ""} ${className}`}
    >
      {shown}
      {cut ? "…" : null}
    </bdi>
  );
}

/**
 * An outside value shown in full where it is the point (review text, a custom parameter, a page
 * title): isolated and wrapping anywhere; past `limit` characters only the beginning shows, and a
 * disclosure (keyboard reachable, no script needed) opens the rest in a scrollable box.
 */
export function LongText({
  value,
  limit = 400,
  className = "",
  mono = false,
  preserveLines = false,
}: {
  value: string;
  limit?: number;
  className?: string;
  mono?: boolean;
  preserveLines?: boolean;
}) {
  const wrap = `[overflow-wrap:anywhere] ${preserveLines ? "whitespace-pre-wrap" : ""} ${mono ? "font-mono" : ""}`;
  const { shown, cut } = clip(value, limit);
  if (!cut) {
    return (
      <bdi data-outside-text="" className={`${wrap} ${className}`}>
        {value}
      </bdi>
    );
  }
  return (
    <span data-outside-text="" data-cut="" className={`inline ${className}`}>
      <bdi className={wrap}>{shown}</bdi>
      <span aria-hidden="true">…</span>{" "}
      <details className="mt-1 block">
        <summary className="cursor-pointer rounded text-xs font-medium text-indigo-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
          Show all {value.length.toLocaleString("en-US")} characters
        </summary>
        <div
          tabIndex={0}
          role="region"
          aria-label="Full value"
          className="mt-1 max-h-80 overflow-y-auto rounded border border-slate-200 bg-slate-50 p-2 text-xs text-slate-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        >
          <bdi className={`${wrap} block`}>{value}</bdi>
        </div>
      </details>
    </span>
  );
}
