"use server";

import { revalidatePath } from "next/cache";
import { userActor } from "@/lib/audit/actor";
import { requireUser } from "@/lib/auth/guard";
import { refreshAllTitles } from "@/lib/catalogue/admin";
import { actionMessage } from "@/lib/http/errors";
import type { ActionResult } from "./actions";

const PAGE = "/settings/enrichment";

/** "Refresh titles": every known track's catalogue job due now. Admins only, audited. */
export async function refreshTitlesAction(): Promise<ActionResult> {
  const user = await requireUser({ role: "admin", callbackUrl: PAGE });
  try {
    const tracks = await refreshAllTitles(userActor(user));
    revalidatePath(PAGE);
    return { ok: true, message: `${tracks} track${tracks === 1 ? "" : "s"} queued for a title refresh.`, at: Date.now() };
  } catch (error) {
    return { ok: false, message: actionMessage("catalogue", error), at: Date.now() };
  }
}
