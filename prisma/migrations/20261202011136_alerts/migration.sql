-- CreateEnum
CREATE TYPE "AlertKind" AS ENUM ('stuck', 'failing', 'sandbox_failed');

-- CreateTable
CREATE TABLE "alert_rule" (
    "id" UUID NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "threshold" INTEGER NOT NULL,
    "track_key" TEXT,
    "track_id" TEXT,
    "invite_id" TEXT,
    "webhook_url_ciphertext" TEXT,
    "webhook_url_hint" TEXT,
    "email" TEXT,
    "signing_secret_ciphertext" TEXT NOT NULL,
    "created_by_id" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert" (
    "id" UUID NOT NULL,
    "rule_id" UUID NOT NULL,
    "participant_id" TEXT NOT NULL,
    "challenge_key" TEXT NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "detail" TEXT NOT NULL,
    "facts" JSONB NOT NULL,
    "opened_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(6),
    "acknowledged_at" TIMESTAMPTZ(6),
    "acknowledged_by" TEXT,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alert_rule_created_at_idx" ON "alert_rule"("created_at");

-- CreateIndex
CREATE INDEX "alert_resolved_at_opened_at_idx" ON "alert"("resolved_at", "opened_at");

-- CreateIndex
CREATE INDEX "alert_opened_at_idx" ON "alert"("opened_at");

-- CreateIndex
CREATE UNIQUE INDEX "alert_open_key" ON "alert"("rule_id", "participant_id", "challenge_key") WHERE (resolved_at IS NULL);

-- AddForeignKey
ALTER TABLE "alert" ADD CONSTRAINT "alert_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
