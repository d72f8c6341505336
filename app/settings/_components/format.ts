/** Server-rendered times, in UTC so every admin reads the same thing ("2026-11-28 17:24 UTC"). */
export function formatDateTime(value: Date | string | null | undefined, { seconds = false } = {}): string {
  if (!value) return "—";
  const date = typeof value === "string" ? new Date(value) : value;
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)} UTC`;
}

/** "in 23 h", "in 4 min", "5 s ago": how far a time is from now. */
export function relativeTime(value: Date, now = new Date()): string {
  const seconds = Math.round((value.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const amount =
    abs < 90 ? `${abs} s` : abs < 90 * 60 ? `${Math.round(abs / 60)} min` : abs < 48 * 3600 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} days`;
  return seconds >= 0 ? `in ${amount}` : `${amount} ago`;
}
