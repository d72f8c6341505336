/** `whsec_` + base64 of 24 to 64 bytes: the signing secrets Svix issues. */
export function isValidSigningSecret(secret: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match) return false;
  const encoded = match[1]!;
  const bytes = Buffer.from(encoded, "base64");
  const canonical = bytes.toString("base64").replace(/=+$/, "") === encoded.replace(/=+$/, "");
  return canonical && bytes.length >= 24 && bytes.length <= 64;
}

export function secretHint(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}
