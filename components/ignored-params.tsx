/** Says which query parameters were not understood and were replaced by their defaults. */
export function IgnoredParams({ names }: { names: string[] }) {
  if (names.length === 0) return null;
  return (
    <p role="status" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      Ignored {names.length === 1 ? "a filter" : "filters"} that could not be read:{" "}
      {names.map((name, i) => (
        <span key={name}>
          {i > 0 ? ", " : ""}
          <code className="font-mono">{name}</code>
        </span>
      ))}
      . Showing the default instead.
    </p>
  );
}
