import { db } from "@/lib/db/client";

/**
 * Invite ids plays carry, for the invite filter's suggestions. A loose index scan over
 * participant(invite_id): one probe per distinct invite, not a pass over every play.
 */
export async function inviteIdsSeen(limit = 500): Promise<string[]> {
  const rows = await db().$queryRaw<{ invite_id: string }[]>`
    WITH RECURSIVE invites AS (
      (SELECT invite_id FROM participant WHERE invite_id IS NOT NULL ORDER BY invite_id LIMIT 1)
      UNION ALL
      SELECT (SELECT p.invite_id FROM participant p WHERE p.invite_id > invites.invite_id ORDER BY p.invite_id LIMIT 1)
      FROM invites WHERE invites.invite_id IS NOT NULL
    )
    SELECT invite_id FROM invites WHERE invite_id IS NOT NULL LIMIT ${limit}`;
  return rows.map((row) => row.invite_id);
}
