/**
 * How pages name a track or a challenge once its shown title is known (lib/catalogue/titles.ts
 * picks it): the title first with the slug or id as secondary text, or — without a title — the
 * very text pages showed before titles existed. Pure, so client components use it too.
 */

export interface NameLines {
  /** What people read: the title when there is one. */
  primary: string;
  /** The identifier beside it (slug or id), or null when the primary line already is the id. */
  secondary: string | null;
}

/** A track as pages name it: "title" over "slug" (or id); without a title, "slug" over "id", as before. */
export function trackName(track: { id: string; slug: string | null; title: string | null }): NameLines {
  if (track.title) return { primary: track.title, secondary: track.slug ?? track.id };
  if (track.slug) return { primary: track.slug, secondary: track.id };
  return { primary: track.id, secondary: null };
}

/** A track in one line of text: "title (slug)", else the slug, else the id. */
export function trackLabel(track: { id: string; slug: string | null; title: string | null }): string {
  const { primary, secondary } = trackName(track);
  return track.title && secondary ? `${primary} (${secondary})` : primary;
}

/**
 * A challenge as pages name it: "#3 title" over its id; without a title "#3 id", as before.
 * `number` is the 1-based position shown to people, or null when unknown.
 */
export function challengeName(challenge: { number: number | null; id: string | null; title: string | null }): NameLines {
  const prefix = challenge.number === null ? "" : `#${challenge.number} `;
  if (challenge.title) return { primary: `${prefix}${challenge.title}`, secondary: challenge.id };
  return { primary: `${prefix}${challenge.id ?? ""}`.trim() || "—", secondary: null };
}

/** A name in one line of text: "title (label)" when there is a title, else the label as before. */
export function titled(title: string | null | undefined, label: string): string {
  return title ? `${title} (${label})` : label;
}
