import type { NameLines } from "@/lib/catalogue/names";
import { OutsideText } from "./outside-text";

/** A track or challenge name (lib/catalogue/names.ts): the title, with the slug or id under it. */
export function NameCell({ lines, maxWidth = "max-w-[15rem]" }: { lines: NameLines; maxWidth?: string }) {
  return (
    <>
      <OutsideText value={lines.primary} maxWidth={maxWidth} />
      {lines.secondary ? <OutsideText value={lines.secondary} mono maxWidth={maxWidth} block className="text-xs text-slate-500" /> : null}
    </>
  );
}
