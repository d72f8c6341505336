-- CreateEnum
CREATE TYPE "EventOutcome" AS ENUM ('projected', 'unknown_type', 'invalid_payload', 'test');

-- CreateEnum
CREATE TYPE "PlayStatus" AS ENUM ('started', 'in_progress', 'completed', 'stopped');

-- CreateEnum
CREATE TYPE "ChallengeStatus" AS ENUM ('not_started', 'in_progress', 'completed', 'skipped');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'instructor');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('pending', 'running', 'done', 'failed');

-- CreateTable
CREATE TABLE "webhook_event" (
    "id" BIGSERIAL NOT NULL,
    "svix_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6),
    "timestamp_raw" TEXT,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "participant_id" TEXT,
    "user_id" TEXT,
    "track_id" TEXT,
    "invite_id" TEXT,
    "challenge_id" TEXT,
    "payload" JSONB NOT NULL,
    "outcome" "EventOutcome" NOT NULL,
    "error" TEXT,

    CONSTRAINT "webhook_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refused_delivery" (
    "hour" TIMESTAMPTZ(6) NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "refused_delivery_pkey" PRIMARY KEY ("hour","reason")
);

-- CreateTable
CREATE TABLE "participant" (
    "id" TEXT NOT NULL,
    "user_id" TEXT,
    "track_id" TEXT,
    "track_slug" TEXT,
    "invite_id" TEXT,
    "mode" TEXT,
    "custom_parameters" JSONB,
    "status" "PlayStatus" NOT NULL,
    "challenges_completed" INTEGER NOT NULL DEFAULT 0,
    "total_challenges" INTEGER,
    "progress_percent" INTEGER,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failed_attempts" INTEGER NOT NULL DEFAULT 0,
    "skipped_challenges" INTEGER NOT NULL DEFAULT 0,
    "sandbox_failures" INTEGER NOT NULL DEFAULT 0,
    "event_count" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "stopped_at" TIMESTAMPTZ(6),
    "first_activity_at" TIMESTAMPTZ(6),
    "last_activity_at" TIMESTAMPTZ(6),
    "time_spent_seconds" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "participant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "challenge_progress" (
    "participant_id" TEXT NOT NULL,
    "challenge_index" INTEGER NOT NULL,
    "challenge_id" TEXT,
    "track_id" TEXT,
    "user_id" TEXT,
    "status" "ChallengeStatus" NOT NULL,
    "started_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "last_activity_at" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failed_attempts" INTEGER NOT NULL DEFAULT 0,
    "skipped" BOOLEAN NOT NULL DEFAULT false,
    "seconds_in_challenge" INTEGER,

    CONSTRAINT "challenge_progress_pkey" PRIMARY KEY ("participant_id","challenge_index")
);

-- CreateTable
CREATE TABLE "track" (
    "id" TEXT NOT NULL,
    "slug" TEXT,
    "slug_seen_at" TIMESTAMPTZ(6),
    "total_challenges" INTEGER,
    "first_seen_at" TIMESTAMPTZ(6),
    "last_seen_at" TIMESTAMPTZ(6),

    CONSTRAINT "track_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "learner" (
    "id" TEXT NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "email" TEXT,
    "enrichment_source" TEXT,
    "enriched_at" TIMESTAMPTZ(6),
    "first_seen_at" TIMESTAMPTZ(6),
    "last_seen_at" TIMESTAMPTZ(6),

    CONSTRAINT "learner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invite_claim" (
    "invite_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "team_id" TEXT,
    "team_slug" TEXT,
    "claimed_at" TIMESTAMPTZ(6),

    CONSTRAINT "invite_claim_pkey" PRIMARY KEY ("invite_id","user_id")
);

-- CreateTable
CREATE TABLE "review" (
    "id" TEXT NOT NULL,
    "track_id" TEXT,
    "user_id" TEXT,
    "score" INTEGER,
    "content" TEXT,
    "occurred_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6),

    CONSTRAINT "review_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "disabled_at" TIMESTAMPTZ(6),
    "last_sign_in_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'read',
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_secret" (
    "id" TEXT NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6),
    "created_by" TEXT,

    CONSTRAINT "webhook_secret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor_id" TEXT,
    "actor_email" TEXT,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(6) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "enrichment_job" (
    "id" BIGSERIAL NOT NULL,
    "invite_id" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "run_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_at" TIMESTAMPTZ(6),
    "locked_by" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "enrichment_job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_event_svix_id_key" ON "webhook_event"("svix_id");

-- CreateIndex
CREATE INDEX "webhook_event_participant_id_occurred_at_idx" ON "webhook_event"("participant_id", "occurred_at");

-- CreateIndex
CREATE INDEX "webhook_event_received_at_idx" ON "webhook_event"("received_at");

-- CreateIndex
CREATE INDEX "webhook_event_type_received_at_idx" ON "webhook_event"("type", "received_at");

-- CreateIndex
CREATE INDEX "webhook_event_outcome_received_at_idx" ON "webhook_event"("outcome", "received_at");

-- CreateIndex
CREATE INDEX "webhook_event_user_id_occurred_at_idx" ON "webhook_event"("user_id", "occurred_at");

-- CreateIndex
CREATE INDEX "webhook_event_track_id_occurred_at_idx" ON "webhook_event"("track_id", "occurred_at");

-- CreateIndex
CREATE INDEX "webhook_event_occurred_at_idx" ON "webhook_event"("occurred_at");

-- CreateIndex
CREATE INDEX "participant_track_id_last_activity_at_idx" ON "participant"("track_id", "last_activity_at");

-- CreateIndex
CREATE INDEX "participant_user_id_last_activity_at_idx" ON "participant"("user_id", "last_activity_at");

-- CreateIndex
CREATE INDEX "participant_invite_id_idx" ON "participant"("invite_id");

-- CreateIndex
CREATE INDEX "participant_status_last_activity_at_idx" ON "participant"("status", "last_activity_at");

-- CreateIndex
CREATE INDEX "participant_last_activity_at_idx" ON "participant"("last_activity_at");

-- CreateIndex
CREATE INDEX "participant_started_at_idx" ON "participant"("started_at");

-- CreateIndex
CREATE INDEX "challenge_progress_track_id_challenge_index_idx" ON "challenge_progress"("track_id", "challenge_index");

-- CreateIndex
CREATE INDEX "track_slug_idx" ON "track"("slug");

-- CreateIndex
CREATE INDEX "learner_email_idx" ON "learner"("email");

-- CreateIndex
CREATE INDEX "invite_claim_user_id_idx" ON "invite_claim"("user_id");

-- CreateIndex
CREATE INDEX "review_track_id_idx" ON "review"("track_id");

-- CreateIndex
CREATE INDEX "review_user_id_idx" ON "review"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "enrichment_job_invite_id_key" ON "enrichment_job"("invite_id");

-- CreateIndex
CREATE INDEX "enrichment_job_status_run_at_idx" ON "enrichment_job"("status", "run_at");

-- AddForeignKey
ALTER TABLE "challenge_progress" ADD CONSTRAINT "challenge_progress_participant_id_fkey" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
