import { alertDeliveryHandler, alertEvaluationHandler } from "@/lib/alerts/job";
import { backfillJobHandler } from "@/lib/backfill/job";
import { catalogueHandler } from "@/lib/catalogue/job";
import type { WorkerConfig } from "@/lib/enrichment/config";
import { enrichmentJobHandler } from "@/lib/enrichment/worker";
import type { JobHandler } from "./runner";

/**
 * Every kind of background job this app runs, in the order a runner polls them. A feature adds
 * its handler here and nowhere else: instances with CAIRN_WORKER=on run them all.
 */
export function jobHandlers(enrichment: WorkerConfig): JobHandler<any>[] { // eslint-disable-line @typescript-eslint/no-explicit-any -- each handler types its own payload
  return [enrichmentJobHandler({ config: enrichment }), catalogueHandler(), backfillJobHandler(), alertEvaluationHandler(), alertDeliveryHandler()];
}
