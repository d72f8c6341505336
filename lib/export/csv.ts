/**
 * RFC 4180 CSV, written for the spreadsheets and importers (LMS, CRM) that read Cairn's exports.
 *
 * - Records end with CRLF; a field is quoted when it holds a comma, a double quote, CR or LF,
 *   and double quotes inside it are doubled. Nothing else is quoted, so plain values stay plain.
 * - Absent values (null, undefined) are empty fields.
 * - Formula injection: Excel, LibreOffice and Google Sheets evaluate a text cell that begins with
 *   `=`, `+`, `-` or `@` as a formula (tab and CR are also OWASP's triggers: some importers strip
 *   them and then see the formula). Learner names, ids and custom parameters are text someone
 *   outside Cairn chose, so every *text* field that begins with one of those characters gets a
 *   leading `'`, which spreadsheets treat as "this is text" and do not display. This applies to
 *   every text value, including ones that look like negative numbers ("-5" becomes "'-5"): telling
 *   a harmless "-5" from "-5+cmd|' /C calc'!A0" is exactly the parsing we must not attempt. The
 *   raw value is still in the custom_parameters JSON column, which always begins with `{`.
 *   Numbers Cairn computes itself (counts, percentages, seconds) are written as numbers and never
 *   prefixed: they are never negative, and a number is not a formula anyway.
 */

export type Cell = string | number | boolean | null | undefined;

/** UTF-8 byte order mark, as text: Excel needs it to read the file as UTF-8 rather than ANSI. */
export const CSV_BOM = "\uFEFF";
export const CRLF = "\r\n";

const NEEDS_QUOTES = /[",\r\n]/;

/** Whether a spreadsheet would read text starting with this character code as a formula. */
function isFormulaTrigger(code: number): boolean {
  // = + - @ tab CR. A switch on the first code unit: this runs for every text cell of an export.
  switch (code) {
    case 0x3d:
    case 0x2b:
    case 0x2d:
    case 0x40:
    case 0x09:
    case 0x0d:
      return true;
    default:
      return false;
  }
}

/** Prefixes `'` to text a spreadsheet would otherwise evaluate as a formula. */
export function neutralizeFormula(text: string): string {
  return isFormulaTrigger(text.charCodeAt(0)) ? `'${text}` : text;
}

/** Quotes a field when RFC 4180 requires it. The input is written as is otherwise. */
export function quoteField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One field: text is neutralized then quoted; numbers and booleans are written plainly. */
export function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell === "boolean") return cell ? "true" : "false";
  return quoteField(neutralizeFormula(cell));
}

/** One record, CRLF-terminated. */
export function csvRecord(cells: readonly Cell[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ",";
    line += csvField(cells[i]);
  }
  return line + CRLF;
}

/**
 * JSON with object keys sorted (recursively), so the same custom parameters always export as the
 * same text, whatever order PostgreSQL's jsonb keeps them in (it orders by key length).
 */
export function stableJson(value: unknown): string {
  // Fast path for the usual custom parameters, a flat object whose keys are already in order:
  // the native stringify, without a replacer call per value.
  if (value !== null && typeof value === "object" && !Array.isArray(value) && isFlatAndSorted(value)) {
    return JSON.stringify(value);
  }
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    // fromEntries defines own properties, so even a "__proto__" key survives.
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function isFlatAndSorted(object: object): boolean {
  let previous: string | null = null;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) return false;
    const inner = (object as Record<string, unknown>)[key];
    if (inner !== null && typeof inner === "object") return false;
    if (previous !== null && !(previous < key)) return false;
    previous = key;
  }
  return true;
}
