-- CreateIndex
CREATE INDEX "participant_last_activity_at_id_idx" ON "participant"("last_activity_at" DESC, "id");
