import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/lib/env";

/**
 * AES-256-GCM for secrets at rest (webhook signing secrets, the Instruqt API key). The key is
 * CAIRN_ENCRYPTION_KEY, or else derived from the auth secret with HKDF so a zero-config install is
 * still encrypted. Ciphertext format: "v1:" + base64(iv ‖ tag ‖ ciphertext).
 */

const FORMAT = "v1";

export class EncryptionKeyMissingError extends Error {
  constructor() {
    super("Set CAIRN_ENCRYPTION_KEY (32 bytes, base64 or hex) or NEXTAUTH_SECRET to store secrets encrypted.");
  }
}

export function encryptionKeyFrom(source: { CAIRN_ENCRYPTION_KEY?: string; NEXTAUTH_SECRET?: string }): Buffer {
  if (source.CAIRN_ENCRYPTION_KEY) {
    const raw = source.CAIRN_ENCRYPTION_KEY;
    return /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  }
  if (source.NEXTAUTH_SECRET) {
    return Buffer.from(hkdfSync("sha256", source.NEXTAUTH_SECRET, "cairn", "cairn:secrets-at-rest:v1", 32));
  }
  throw new EncryptionKeyMissingError();
}

let cachedKey: Buffer | undefined;
function key(): Buffer {
  cachedKey ??= encryptionKeyFrom(env());
  return cachedKey;
}

export function encrypt(plaintext: string, encryptionKey: Buffer = key()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
}

export function decrypt(encoded: string, encryptionKey: Buffer = key()): string {
  const [format, body] = encoded.split(":", 2);
  if (format !== FORMAT || !body) throw new Error("Unrecognised ciphertext format");
  const raw = Buffer.from(body, "base64");
  const decipher = createDecipheriv("aes-256-gcm", encryptionKey, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
