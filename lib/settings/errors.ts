/**
 * A refusal an admin can act on: the API answers it with its status and message, the UI shows the
 * message next to the field it names. Anything else thrown by an admin action is a bug (500).
 */
export class ActionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ActionError";
  }
}

export const notFound = (what: string) => new ActionError(404, "not_found", `${what} does not exist`);
