-- CreateEnum
CREATE TYPE "PlaySource" AS ENUM ('webhook', 'report');

-- AlterTable
ALTER TABLE "participant" ADD COLUMN     "source" "PlaySource" NOT NULL DEFAULT 'webhook';

-- CreateTable
CREATE TABLE "backfill" (
    "id" UUID NOT NULL,
    "from" TIMESTAMPTZ(6) NOT NULL,
    "to" TIMESTAMPTZ(6) NOT NULL,
    "tracks" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "invites" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "requested_by" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "mismatch" JSONB,

    CONSTRAINT "backfill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "play_report" (
    "id" TEXT NOT NULL,
    "raw" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "backfill_id" UUID NOT NULL,

    CONSTRAINT "play_report_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backfill_created_at_idx" ON "backfill"("created_at");

-- CreateIndex
CREATE INDEX "play_report_backfill_id_idx" ON "play_report"("backfill_id");
