/**
 * Activity windows from query parameters (`from`, `to`), the same ISO 8601 forms the CSV export
 * takes: a date ("2024-03-01") or a date-time ("2024-03-01T09:30", "…:00Z", "…+02:00"). A
 * date-time without a zone is UTC, as is every date: dashboards show UTC throughout.
 *
 * `from` starts at its instant (a date: that day's midnight). `to` of a date includes that whole
 * day; `to` of a date-time ends at that instant. Both are turned into a half-open [start, end).
 */

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

interface ParsedInstant {
  date: Date;
  dateOnly: boolean;
}

function parseInstant(value: string): ParsedInstant | null {
  const match = ISO_INSTANT.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second = "00", fraction = "", zone] = match;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth) return null;
  if (hour === undefined) return { date: new Date(Date.UTC(y, m - 1, d)), dateOnly: true };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const zoneHours = Number(digits.slice(0, 2));
    const zoneMinutes = Number(digits.slice(2));
    if (zoneHours > 23 || zoneMinutes > 59) return null;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(y, m - 1, d, Number(hour), Number(minute), Number(second), millis) - offsetMinutes * 60_000;
  return { date: new Date(utc), dateOnly: false };
}

export function isIsoInstant(value: string): boolean {
  return parseInstant(value) !== null;
}

/** Where a window starting at `value` starts. */
export function windowStart(value: string): Date | null {
  return parseInstant(value)?.date ?? null;
}

/** The exclusive end of a window ending at `value` (a date includes its whole day). */
export function windowEnd(value: string): Date | null {
  const parsed = parseInstant(value);
  if (!parsed) return null;
  return parsed.dateOnly ? new Date(parsed.date.getTime() + 86_400_000) : parsed.date;
}

export interface ActivityWindow {
  /** Inclusive. */
  start?: Date;
  /** Exclusive. */
  end?: Date;
}

export function activityWindow(from: string | undefined, to: string | undefined): ActivityWindow {
  const start = from ? windowStart(from) : null;
  const end = to ? windowEnd(to) : null;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}
