import { randomUUID } from "node:crypto";
import { Webhook } from "svix";

/** Signs and posts deliveries the way Svix does for Instruqt. */

export const TEST_WEBHOOK_SECRET = "whsec_" + Buffer.from("cairn-test-secret-cairn-test-secret!").toString("base64");

export interface SendOptions {
  secret?: string;
  svixId?: string;
  /** When the delivery was signed; defaults to now. */
  signedAt?: Date;
  headers?: Record<string, string>;
}

export function signedHeaders(body: string, { secret = TEST_WEBHOOK_SECRET, svixId = `msg_${randomUUID()}`, signedAt = new Date() }: SendOptions = {}) {
  const signature = new Webhook(secret).sign(svixId, signedAt, body);
  return {
    "content-type": "application/json",
    "svix-id": svixId,
    "svix-timestamp": String(Math.floor(signedAt.getTime() / 1000)),
    "svix-signature": signature,
  };
}

export async function sendRaw(baseUrl: string, body: string, options: SendOptions = {}): Promise<Response> {
  return fetch(`${baseUrl}/api/webhooks/instruqt`, {
    method: "POST",
    headers: { ...signedHeaders(body, options), ...options.headers },
    body,
  });
}

export async function sendEvent(baseUrl: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<Response> {
  return sendRaw(baseUrl, JSON.stringify(payload), options);
}
