import Link from "next/link";

/**
 * Filters as a plain GET form: they end up in the URL (shareable, bookmarkable, carried into CSV
 * links), work without JavaScript, and a change starts again from page 1.
 */
export function FilterForm({
  action,
  label,
  resetHref,
  hidden = {},
  children,
}: {
  action: string;
  label: string;
  resetHref: string;
  hidden?: Record<string, string | undefined>;
  children: React.ReactNode;
}) {
  return (
    <form
      method="get"
      action={action}
      aria-label={label}
      className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm"
    >
      {Object.entries(hidden).map(([name, value]) =>
        value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
      {children}
      <div className="flex items-center gap-2">
        <button
          type="submit"
          className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2"
        >
          Apply
        </button>
        <Link href={resetHref} className="rounded-md px-2 py-1.5 text-sm text-slate-700 underline hover:text-slate-900">
          Reset
        </Link>
      </div>
    </form>
  );
}

const fieldLabel = "flex flex-col gap-1 text-xs font-medium text-slate-700";
const control =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40";

export function TextField({
  name,
  label,
  value,
  placeholder,
  type = "text",
  list,
  className = "w-44",
}: {
  name: string;
  label: string;
  value?: string;
  placeholder?: string;
  type?: "text" | "search";
  list?: string;
  className?: string;
}) {
  return (
    <label className={fieldLabel}>
      {label}
      <input type={type} name={name} defaultValue={value ?? ""} placeholder={placeholder} list={list} className={`${control} ${className}`} />
    </label>
  );
}

export function SelectField({
  name,
  label,
  value,
  options,
  anyLabel = "Any",
}: {
  name: string;
  label: string;
  value?: string;
  options: { value: string; label: string }[];
  anyLabel?: string;
}) {
  // A value from the URL that is not among the options (e.g. an invite beyond the list) stays selectable.
  const all = value && !options.some((option) => option.value === value) ? [...options, { value, label: value }] : options;
  return (
    <label className={fieldLabel}>
      {label}
      <select name={name} defaultValue={value ?? ""} className={`${control} max-w-56`}>
        <option value="">{anyLabel}</option>
        {all.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A day picker; a precise instant that came in the URL is kept as typed text instead. */
export function DateField({ name, label, value }: { name: string; label: string; value?: string }) {
  const dateOnly = !value || /^\d{4}-\d{2}-\d{2}$/.test(value);
  return (
    <label className={fieldLabel}>
      {label}
      <input
        type={dateOnly ? "date" : "text"}
        name={name}
        defaultValue={value ?? ""}
        placeholder="YYYY-MM-DD"
        className={`${control} w-40`}
      />
    </label>
  );
}

export function DataList({ id, values }: { id: string; values: string[] }) {
  return (
    <datalist id={id}>
      {values.map((value) => (
        <option key={value} value={value} />
      ))}
    </datalist>
  );
}
