import { z } from "zod";

/**
 * Sign-in addresses: anything of the form local@domain. Deliberately looser than zod's email
 * check, which refuses addresses self-hosted installs really use (admin@localhost, a@corp.internal2).
 */
export const emailAddress = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, "must be an email address")
  .transform((email) => email.toLowerCase());
