/** Says which query parameters were not understood (and why, when known) and were left out. */
export function IgnoredParams({ names = [], problems = [] }: { names?: string[]; problems?: { parameter: string; message: string }[] }) {
  const all = [...names.map((parameter) => ({ parameter, message: undefined as string | undefined })), ...problems];
  if (all.length === 0) return null;
  return (
    <div role="status" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      <p>
        Ignored {all.length === 1 ? "a filter" : "filters"} that could not be read:{" "}
        {all.map((problem, i) => (
          <span key={`${problem.parameter}-${i}`}>
            {i > 0 ? ", " : ""}
            <code className="font-mono">{problem.parameter}</code>
          </span>
        ))}
        . Showing the default instead.
      </p>
      {all.some((problem) => problem.message) ? (
        <ul className="mt-1 list-disc pl-5 text-xs">
          {all
            .filter((problem) => problem.message)
            .map((problem, i) => (
              <li key={`${problem.parameter}-m${i}`} className="break-words">
                {problem.message}
              </li>
            ))}
        </ul>
      ) : null}
    </div>
  );
}
