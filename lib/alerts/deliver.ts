import nodemailer from "nodemailer";
import SMTPTransport from "nodemailer/lib/smtp-transport";
import { Webhook } from "svix";
import { parseRetryAfter } from "@/lib/instruqt/graphql";

/**
 * Sending one notification: a signed webhook POST or an e-mail. Each call is bounded in time
 * (10 s for a webhook, nodemailer's own timeouts for SMTP), so a receiver that hangs only holds
 * its own delivery job — never ingest, projection or another receiver's delivery.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** At most this much of a refusing receiver's answer is kept in the error. */
const ANSWER_SNIPPET_BYTES = 300;

/** A receiver's refusal or absence: retried with backoff (a 429's Retry-After is honoured). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/**
 * The Standard Webhooks headers for `body`: `webhook-id` (the same on every attempt, so a receiver
 * can drop a retry it already handled), `webhook-timestamp` (seconds, this attempt) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>` under the rule's whsec_
 * secret) — what Cairn itself verifies on Instruqt's deliveries (lib/webhooks/verify.ts).
 */
export function signedWebhookHeaders(secret: string, messageId: string, body: string, at: Date = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Cairn-Alerts/1",
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(messageId, at, body),
  };
}

/** The first bytes of an answer, as text on one line. */
async function snippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_SNIPPET_BYTES) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // the answer broke off: what arrived is enough
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, ANSWER_SNIPPET_BYTES).toString("utf8");
  return text.replace(/\s+/g, " ").trim();
}

const reason = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : null;
  return cause ?? (error instanceof Error ? error.message : String(error));
};

export interface WebhookDelivery {
  url: string;
  secret: string;
  messageId: string;
  body: string;
  /** Aborted when the runner stops: the job goes back to the queue without using an attempt. */
  signal: AbortSignal;
  timeoutMs?: number;
}

/** POSTs the signed body; resolves with the status and time on a 2xx, throws DeliveryError otherwise. */
export async function sendWebhook(delivery: WebhookDelivery): Promise<{ status: number; ms: number }> {
  const timeoutMs = delivery.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(delivery.url, {
      method: "POST",
      headers: signedWebhookHeaders(delivery.secret, delivery.messageId, delivery.body),
      body: delivery.body,
      signal: AbortSignal.any([delivery.signal, timeout]),
      // A redirect is an answer other than 2xx: the rule's URL is where the admin said to send.
      redirect: "manual",
      cache: "no-store",
    });
  } catch (error) {
    if (delivery.signal.aborted) throw error;
    if (timeout.aborted) throw new DeliveryError(`no answer within ${timeoutMs / 1000} s`);
    throw new DeliveryError(`could not reach the receiver: ${reason(error)}`);
  }
  const ms = Date.now() - started;
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => {});
    return { status: response.status, ms };
  }
  const text = await snippet(response);
  throw new DeliveryError(`the receiver answered HTTP ${response.status}${text ? `: ${text}` : ""}`, response.status === 429 ? parseRetryAfter(response.headers.get("retry-after")) : null);
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

let cached: { url: string; transporter: nodemailer.Transporter } | undefined;

/** One SMTP transport per process (per CAIRN_SMTP_URL), each send on its own connection. */
function transporterFor(url: string): nodemailer.Transporter {
  if (cached?.url !== url) {
    const transport = new SMTPTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    cached = { url, transporter: nodemailer.createTransport(transport) };
  }
  return cached.transporter;
}

export interface EmailDelivery {
  smtpUrl: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The same on every attempt of one alert, so mail clients can thread or drop duplicates. */
  messageId: string;
}

/** Hands the message to the SMTP server; resolves with its answer, throws DeliveryError on a refusal. */
export async function sendEmail(mail: EmailDelivery): Promise<string> {
  try {
    const info = (await transporterFor(mail.smtpUrl).sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
    })) as { response?: string };
    return info.response ?? "accepted";
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    throw new DeliveryError(`the SMTP server ${code ? `answered ${code}` : "failed"}: ${reason(error)}`);
  }
}
