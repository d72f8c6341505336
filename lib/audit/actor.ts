/**
 * Who made a change, as the audit log records it: a signed-in user (id and email at the time),
 * or a command run on the server (no id; the label names the command).
 */
export interface Actor {
  id: string | null;
  label: string;
}

export const userActor = (user: { id: string; email: string }): Actor => ({ id: user.id, label: user.email });

export const commandActor = (command: string): Actor => ({ id: null, label: command });
