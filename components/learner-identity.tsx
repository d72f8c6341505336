import type { DisplayIdentity } from "@/lib/learners/display-identity";
import { OutsideText } from "./outside-text";

/**
 * Where a learner's name and email came from (enrichment, or `param:<key>`), and their other
 * identifying parameters: shown beside the name wherever a learner is named at length.
 */
export function IdentityDetails({ identity, className = "" }: { identity: DisplayIdentity; className?: string }) {
  const sources = describeSources(identity);
  const identifiers = Object.entries(identity.identifiers ?? {});
  if (!sources && identifiers.length === 0) return null;
  return (
    <span className={`block text-xs text-slate-600 ${className}`} data-testid="identity-details">
      {identifiers.map(([key, value]) => (
        <span key={key} className="mr-2 inline-block">
          <span className="font-mono text-slate-500">
            <OutsideText value={key} maxWidth="max-w-[8rem]" />
          </span>{" "}
          <OutsideText value={String(value)} mono maxWidth="max-w-[12rem]" />
        </span>
      ))}
      {sources ? <span data-testid="identity-source">{sources}</span> : null}
    </span>
  );
}

/** "name and email from param:email", "name from enrichment, email from param:email"; null when neither is known. */
export function describeSources({ firstName, lastName, email, nameSource, emailSource }: DisplayIdentity): string | null {
  const hasName = Boolean(firstName?.trim() || lastName?.trim());
  const name = hasName ? nameSource : null;
  const mail = email ? emailSource : null;
  if (name && mail && name === mail) return `name and email from ${name}`;
  const parts = [name ? `name from ${name}` : null, mail ? `email from ${mail}` : null].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : null;
}
