-- CreateIndex
CREATE INDEX "webhook_event_occurred_at_outcome_idx" ON "webhook_event"("occurred_at", "outcome");
