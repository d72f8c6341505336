import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/guard";
import { identityStatus } from "@/lib/learners/identity";
import { ROLE_FIELDS } from "@/lib/learners/identity-parameters";
import { IdentityForm } from "./form";

export const metadata: Metadata = { title: "Identity" };
export const dynamic = "force-dynamic";

/**
 * Settings → Identity: which custom parameters of a play say who the learner is, so learners
 * have a name and email without enrichment. Admins only, inside the settings layout.
 */
export default async function IdentitySettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/identity" });
  const { parameters, learners } = await identityStatus();
  return (
    <section aria-labelledby="identity-heading" className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="identity-heading" className="text-base font-semibold">
        Identity parameters
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Tracks started from an LMS or a landing page often pass who the learner is as custom parameters. Name those
        parameters here (comma-separated, first listed wins within a play): for each learner, the value from their play
        with the newest event fills the name or email shown in the dashboards, search and exports, with its source
        (for example <span className="font-mono">param:email</span>). A name or email from enrichment wins over it.{" "}
        <span data-testid="learners-identified">
          {learners.withIdentity} of {learners.total} learners identified by parameters.
        </span>
      </p>
      <div className="mt-4">
        <IdentityForm
          fields={[
            {
              name: ROLE_FIELDS.name,
              label: "Name parameters",
              help: "Fill the learner's display name.",
              value: parameters.name.join(", "),
              placeholder: "name, full_name",
            },
            {
              name: ROLE_FIELDS.email,
              label: "Email parameters",
              help: "Fill the learner's email.",
              value: parameters.email.join(", "),
              placeholder: "email",
            },
            {
              name: ROLE_FIELDS.identifier,
              label: "Other identifying parameters",
              help: "Shown beside the learner and searchable, such as an LMS user id.",
              value: parameters.identifier.join(", "),
              placeholder: "lms_user_id",
            },
          ]}
        />
      </div>
    </section>
  );
}
