-- CreateTable
CREATE TABLE "learner_identity" (
    "user_id" TEXT NOT NULL,
    "name" TEXT,
    "name_source" TEXT,
    "email" TEXT,
    "email_source" TEXT,
    "identifiers" JSONB NOT NULL DEFAULT '{}',
    "search_text" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "learner_identity_pkey" PRIMARY KEY ("user_id")
);
