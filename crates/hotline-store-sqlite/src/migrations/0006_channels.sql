-- The social channels (Telegram, VK): chats and their conversations, link
-- codes, updates taken in, and the outbox. See docs/channels.md.
-- (0004 and 0005 are other features' numbers; the runner takes gaps.)

CREATE TABLE channel_chats (
    channel          TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    -- The account it is linked to, as the customer's token said at linking;
    -- NULL: an unverified guest.
    customer_id      TEXT,
    customer_name    TEXT,
    customer_email   TEXT,
    customer_phone   TEXT,
    customer_tier    TEXT,
    linked_at        BIGINT,
    -- The conversation the chat writes to now.
    conversation_id  TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

CREATE INDEX channel_chats_by_customer ON channel_chats (customer_id);

-- Which chats a conversation's messages go to.
CREATE TABLE channel_conversations (
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, channel, chat_id),
    FOREIGN KEY (channel, chat_id) REFERENCES channel_chats (channel, chat_id) ON DELETE CASCADE
);

-- One-time codes by their SHA-256; the codes themselves are never stored.
CREATE TABLE channel_link_codes (
    code_sha256      TEXT PRIMARY KEY,
    channel          TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    FOREIGN KEY (channel, chat_id) REFERENCES channel_chats (channel, chat_id) ON DELETE CASCADE
);

-- The platforms retry an update until they hear 200: each is taken in once.
CREATE TABLE channel_inbound (
    channel          TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (channel, event_id)
);

-- What is owed to each chat; a row is marked sent once the platform said ok.
CREATE TABLE channel_outbox (
    id               INTEGER PRIMARY KEY,
    channel          TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    item_key         TEXT NOT NULL,
    delivery         TEXT NOT NULL,
    conversation_id  TEXT REFERENCES conversations (id) ON DELETE CASCADE,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    sent_at          BIGINT,
    created_at       BIGINT NOT NULL,
    CONSTRAINT channel_outbox_once UNIQUE (channel, chat_id, item_key)
);

CREATE INDEX channel_outbox_unsent ON channel_outbox (channel, chat_id, id) WHERE sent_at IS NULL;

-- How far each dispatcher has read the event log.
CREATE TABLE channel_cursors (
    name             TEXT PRIMARY KEY,
    position         BIGINT NOT NULL
);
