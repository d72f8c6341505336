import { handleInstruqtWebhook } from "@/lib/ingest/handle-webhook";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  return handleInstruqtWebhook(request);
}
