import { env } from "@/lib/env";

/** The Instruqt team (organisation) slug queries such as playReports are asked for; null when not configured. */
export async function activeTeamSlug(): Promise<string | null> {
  return env().INSTRUQT_TEAM_SLUG ?? null;
}
