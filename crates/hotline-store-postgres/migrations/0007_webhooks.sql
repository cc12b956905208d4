-- Outbound webhooks: the administrators' subscriptions, each with its
-- cursor in the event log, and a row per event owed to each. See
-- docs/webhooks.md.

CREATE TABLE webhook_subscriptions (
    id               TEXT PRIMARY KEY,
    url              TEXT NOT NULL,
    -- A JSON array of the webhook event types it receives.
    event_types      TEXT NOT NULL,
    -- whsec_… strings: the receivers verify with them, so they are kept.
    secret           TEXT NOT NULL,
    -- The secret before the last rotation, signing too until previous_until.
    previous_secret  TEXT,
    previous_until   BIGINT,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       BIGINT NOT NULL,
    -- The last event position the dispatcher looked at for it.
    cursor_position  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_position   BIGINT NOT NULL,
    -- Erasing a conversation erases what was owed about it.
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    attempts         BIGINT NOT NULL DEFAULT 0,
    -- Also the lease: a row handed to a sender is due again only after it.
    next_attempt_at  BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT,
    dead_at          BIGINT,
    created_at       BIGINT NOT NULL,
    -- A manual re-send is a new row naming the one it repeats.
    resend_of        BIGINT
);

-- Each event once per subscription, re-sends aside.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (subscription_id, event_position)
    WHERE resend_of IS NULL;

CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (subscription_id, conversation_id, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND dead_at IS NULL;

CREATE INDEX webhook_deliveries_of_subscription ON webhook_deliveries (subscription_id, id);

CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id);

CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (dead_at) WHERE dead_at IS NOT NULL;
