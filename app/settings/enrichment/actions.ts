"use server";

import { revalidatePath } from "next/cache";
import { userActor, type Actor } from "@/lib/audit/actor";
import { requireUser } from "@/lib/auth/guard";
import {
  purgePersonalData,
  removeApiKey,
  rerunEnrichment,
  retryFailed,
  testEnrichmentConnection,
  updateEnrichmentSettings,
} from "@/lib/enrichment/admin";
import { actionMessage } from "@/lib/http/errors";

/**
 * Server actions of Settings → Enrichment. Each one checks again that the caller is a signed-in
 * admin (an action is an endpoint of its own: the page's check does not protect it), then hands
 * the validated form to lib/enrichment/admin.ts.
 */

export type ActionResult = { ok: boolean; message: string; at: number } | null;

const PAGE = "/settings/enrichment";

async function admin(): Promise<Actor> {
  const user = await requireUser({ role: "admin", callbackUrl: PAGE });
  return userActor(user);
}

const field = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
};

const result = (ok: boolean, message: string): ActionResult => ({ ok, message, at: Date.now() });

/** What a refused action says, by the one error mapping (lib/http/errors.ts). */
const failure = (error: unknown): ActionResult => result(false, actionMessage("enrichment", error));

export async function saveSettingsAction(_previous: ActionResult, form: FormData): Promise<ActionResult> {
  const actor = await admin();
  const apiKey = field(form, "apiKey");
  try {
    await updateEnrichmentSettings(actor, {
      enabled: form.get("enabled") === "on",
      graphqlUrl: field(form, "graphqlUrl"),
      ...(apiKey ? { apiKey } : {}),
      // The field shows the saved slug: sent empty, it removes it.
      ...(form.has("teamSlug") ? { teamSlug: field(form, "teamSlug") } : {}),
    });
  } catch (error) {
    return failure(error);
  }
  revalidatePath(PAGE);
  return result(true, apiKey ? "Saved, with the new API key." : "Saved.");
}

export async function testConnectionAction(_previous: ActionResult, form: FormData): Promise<ActionResult> {
  const actor = await admin();
  const apiKey = field(form, "apiKey");
  const graphqlUrl = field(form, "graphqlUrl");
  try {
    const outcome = await testEnrichmentConnection(actor, {
      ...(graphqlUrl ? { graphqlUrl } : {}),
      ...(apiKey ? { apiKey } : {}),
    });
    revalidatePath(PAGE);
    return result(outcome.ok, outcome.ok ? outcome.message : `${outcome.message} (after ${outcome.latencyMs} ms)`);
  } catch (error) {
    return failure(error);
  }
}

export async function removeApiKeyAction(): Promise<ActionResult> {
  const actor = await admin();
  try {
    await removeApiKey(actor);
  } catch (error) {
    return failure(error);
  }
  revalidatePath(PAGE);
  return result(true, "API key removed; enrichment is off.");
}

export async function retryFailedAction(): Promise<ActionResult> {
  const actor = await admin();
  try {
    const jobs = await retryFailed(actor);
    revalidatePath(PAGE);
    return result(true, jobs === 0 ? "No failed jobs to retry." : `${jobs} failed job${jobs === 1 ? "" : "s"} queued again.`);
  } catch (error) {
    return failure(error);
  }
}

export async function rerunAction(): Promise<ActionResult> {
  const actor = await admin();
  try {
    const jobs = await rerunEnrichment(actor);
    revalidatePath(PAGE);
    return result(true, `${jobs} invite${jobs === 1 ? "" : "s"} queued for enrichment.`);
  } catch (error) {
    return failure(error);
  }
}

export async function purgeAction(_previous: ActionResult, form: FormData): Promise<ActionResult> {
  const actor = await admin();
  try {
    const { learnersCleared, jobsCancelled } = await purgePersonalData(actor, { confirm: field(form, "confirm") });
    revalidatePath(PAGE);
    return result(
      true,
      `Purged: personal data cleared from ${learnersCleared} learner${learnersCleared === 1 ? "" : "s"}, ${jobsCancelled} job${jobsCancelled === 1 ? "" : "s"} cancelled. Enrichment is off.`,
    );
  } catch (error) {
    return failure(error);
  }
}
