"use server";

import { revalidatePath } from "next/cache";
import { userActor } from "@/lib/audit/actor";
import { requireUser } from "@/lib/auth/guard";
import { actionMessage } from "@/lib/http/errors";
import { updateIdentityParameters } from "@/lib/learners/identity";
import { ROLE_FIELDS } from "@/lib/learners/identity-parameters";

export type ActionResult = { ok: boolean; message: string; at: number } | null;

const PAGE = "/settings/identity";

/** Settings → Identity's save: an admin again (an action is an endpoint of its own), then lib/. */
export async function saveIdentityAction(_previous: ActionResult, form: FormData): Promise<ActionResult> {
  const actor = userActor(await requireUser({ role: "admin", callbackUrl: PAGE }));
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  try {
    await updateIdentityParameters(actor, {
      [ROLE_FIELDS.name]: field(ROLE_FIELDS.name),
      [ROLE_FIELDS.email]: field(ROLE_FIELDS.email),
      [ROLE_FIELDS.identifier]: field(ROLE_FIELDS.identifier),
    });
  } catch (error) {
    return { ok: false, message: actionMessage("identity", error), at: Date.now() };
  }
  revalidatePath(PAGE);
  return { ok: true, message: "Saved. Every learner's identity was derived again from their plays.", at: Date.now() };
}
