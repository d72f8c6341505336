-- CreateTable
CREATE TABLE "track_catalogue" (
    "track_id" TEXT NOT NULL,
    "slug" TEXT,
    "title" TEXT,
    "teaser" TEXT,
    "level" TEXT,
    "raw" JSONB,
    "fetched_at" TIMESTAMPTZ(6),
    "error" TEXT,
    "error_at" TIMESTAMPTZ(6),
    "display_title" TEXT,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "track_catalogue_pkey" PRIMARY KEY ("track_id")
);

-- CreateTable
CREATE TABLE "challenge_catalogue" (
    "track_id" TEXT NOT NULL,
    "challenge_id" TEXT NOT NULL,
    "slug" TEXT,
    "title" TEXT,
    "challenge_index" INTEGER,
    "listed" BOOLEAN NOT NULL DEFAULT true,
    "display_title" TEXT,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "challenge_catalogue_pkey" PRIMARY KEY ("track_id","challenge_id")
);

-- CreateIndex
CREATE INDEX "challenge_catalogue_track_id_challenge_index_idx" ON "challenge_catalogue"("track_id", "challenge_index");

-- Tracks seen before the catalogue existed get their job now (it waits until an API key and the
-- team slug are set); tracks seen later get theirs from the projector.
INSERT INTO "job" ("kind", "key") SELECT 'catalogue', "id" FROM "track" ON CONFLICT ("kind", "key") DO NOTHING;
