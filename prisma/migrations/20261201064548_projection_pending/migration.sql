-- CreateTable
CREATE TABLE "projection_pending" (
    "event_id" BIGINT NOT NULL,
    "enqueued_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projection_pending_pkey" PRIMARY KEY ("event_id")
);
