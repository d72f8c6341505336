-- Enrichment moves onto the one job queue (table "job", kind 'enrichment', key = invite id,
-- payload {"user_ids": [...]}). Its jobs are carried over as they stand, so an upgrade loses
-- neither pending work nor the history the settings page shows.
INSERT INTO "job" ("kind", "key", "payload", "status", "attempts", "generation", "run_at", "locked_at",
                   "locked_by", "last_error", "note", "finished_at", "created_at", "updated_at")
SELECT 'enrichment', "invite_id", jsonb_build_object('user_ids', to_jsonb(COALESCE("user_ids", '{}'::text[]))),
       "status", "attempts", "generation", "run_at", "locked_at", "locked_by", "last_error", "note",
       "finished_at", "created_at", "updated_at"
FROM "enrichment_job"
ON CONFLICT ("kind", "key") DO NOTHING;

-- DropTable
DROP TABLE "enrichment_job";
