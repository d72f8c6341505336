-- AlterTable
ALTER TABLE "enrichment_job" ADD COLUMN     "finished_at" TIMESTAMPTZ(6),
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "note" TEXT,
ADD COLUMN     "user_ids" TEXT[] DEFAULT ARRAY[]::TEXT[];
