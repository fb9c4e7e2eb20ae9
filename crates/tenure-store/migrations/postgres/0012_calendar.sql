-- The communication calendar (issue 14): interactions, each customer's last contacts, cadence
-- rules and their alerts, follow-ups, and the users' calendar feeds. Times are TIMESTAMPTZ.

-- A contact between the business and a customer, kept by when it happened (`occurred_at`), not
-- when it was logged. `client_key` makes logging it again harmless (`api:KEY`, `csv:ID`,
-- `row:HASH:N`, `page:RANDOM`). An inbound query has a `state`; `answered_at` is when the first
-- reply happened (an outbound interaction logged as its reply, or the state set by hand) and
-- `closed_at` when it was settled. `staff` is the e-mail of who handled it.
CREATE TABLE interactions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id       BIGINT  NOT NULL REFERENCES customers (id),
    client_key        TEXT    NOT NULL UNIQUE,
    channel           TEXT    NOT NULL
                              CHECK (channel IN ('email', 'phone', 'chat', 'whatsapp', 'social', 'in_person', 'ticket')),
    direction         TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    occurred_at       TIMESTAMPTZ NOT NULL,
    duration_seconds  BIGINT,
    subject           TEXT    NOT NULL DEFAULT '',
    notes             TEXT    NOT NULL DEFAULT '',
    outcome           TEXT    NOT NULL DEFAULT '',
    staff             TEXT,
    order_id          BIGINT  REFERENCES orders (id),
    response_id       BIGINT  REFERENCES survey_responses (id),
    case_id           BIGINT  REFERENCES survey_cases (id),
    reply_to          BIGINT  REFERENCES interactions (id),
    state             TEXT    CHECK (state IN ('open', 'answered', 'closed')),
    answered_at       TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    logged_by         TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (state IS NULL OR direction = 'inbound')
);
CREATE INDEX interactions_by_customer ON interactions (customer_id, occurred_at);
CREATE INDEX interactions_by_time ON interactions (occurred_at);
CREATE INDEX interactions_replies ON interactions (reply_to) WHERE reply_to IS NOT NULL;

-- Per customer: the last inbound query, the last outbound contact and the last interaction of
-- any kind, by when they happened — derived from `interactions` and kept with every write (a
-- new interaction can only move them later; an edit or a deletion recomputes them from the
-- index) — and the staff's settings: keep in touch every N days, an alert snoozed until a
-- time, the responsible staff member (a user).
CREATE TABLE customer_contacts (
    customer_id         BIGINT  PRIMARY KEY REFERENCES customers (id),
    last_inbound        TIMESTAMPTZ,
    last_outbound       TIMESTAMPTZ,
    last_any            TIMESTAMPTZ,
    keep_in_touch_days  BIGINT  CHECK (keep_in_touch_days > 0),
    snoozed_until       TIMESTAMPTZ,
    owner_id            BIGINT  REFERENCES users (id)
);

-- "Alert when a customer in AUDIENCE has had no interaction for QUIET_DAYS days." `audience`
-- is `all`, `segment:NAME`, `stage:NAME` or `clv:MIN..MAX` (either end may be empty).
-- `follow_up` also opens a follow-up for the owner with each alert.
CREATE TABLE cadence_rules (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    audience    TEXT    NOT NULL,
    quiet_days  BIGINT  NOT NULL CHECK (quiet_days > 0),
    owner_id    BIGINT  REFERENCES users (id),
    follow_up   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

-- One alert per silence: a silence is known by its customer and the time it began (the last
-- interaction, or the customer's first purchase), so the nightly check never alerts twice for
-- the same one; a contact ends it, and the next silence begins at that contact.
CREATE TABLE cadence_alerts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id    BIGINT  NOT NULL REFERENCES customers (id),
    silent_since   TIMESTAMPTZ NOT NULL,
    cause          TEXT    NOT NULL,
    quiet_days     BIGINT  NOT NULL,
    owner_id       BIGINT  REFERENCES users (id),
    value_at_risk  DOUBLE PRECISION,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, silent_since)
);
CREATE INDEX cadence_alerts_by_time ON cadence_alerts (created_at);

-- A planned contact: due at a time, owned by a user, about a customer. `uid` is its iCalendar
-- UID (random, never changes); `sequence` goes up with every change a calendar should see.
-- `origin` says what made it: `manual`, `cadence` (an alert), `case` (a survey case), `rule`.
-- `remind_at` is when its reminder e-mail goes (`remind_minutes` before it is due); NULL once
-- sent, or when it needs none.
CREATE TABLE followups (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid               TEXT    NOT NULL UNIQUE,
    customer_id       BIGINT  REFERENCES customers (id),
    owner_id          BIGINT  NOT NULL REFERENCES users (id),
    title             TEXT    NOT NULL,
    notes             TEXT    NOT NULL DEFAULT '',
    due_at            TIMESTAMPTZ NOT NULL,
    duration_minutes  BIGINT  NOT NULL DEFAULT 15 CHECK (duration_minutes > 0),
    remind_minutes    BIGINT  NOT NULL DEFAULT 60 CHECK (remind_minutes >= 0),
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    outcome           TEXT,
    origin            TEXT    NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'cadence', 'case', 'rule')),
    case_id           BIGINT  UNIQUE REFERENCES survey_cases (id),
    alert_id          BIGINT  UNIQUE REFERENCES cadence_alerts (id),
    sequence          BIGINT  NOT NULL DEFAULT 0,
    remind_at         TIMESTAMPTZ,
    reminded_at       TIMESTAMPTZ,
    created_by        TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    done_at           TIMESTAMPTZ
);
CREATE INDEX followups_by_owner ON followups (owner_id, due_at);
CREATE INDEX followups_by_time ON followups (due_at);
CREATE INDEX followups_by_customer ON followups (customer_id, due_at);
CREATE INDEX followups_to_remind ON followups (remind_at) WHERE remind_at IS NOT NULL;

-- A user's calendar feed: the SHA-256 of the secret in its URL. The secret is an HMAC of the
-- user and `generation` under the server's link-signing key, so the URL can be shown again;
-- revoking raises the generation, and the old URL answers 404.
CREATE TABLE calendar_feeds (
    user_id     BIGINT  PRIMARY KEY REFERENCES users (id),
    generation  BIGINT  NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Surveys sent after a conversation: JSON `{"channels": [...], "on": "logged"|"closed"}` — after
-- a logged interaction on one of those channels, or when an inbound query on one is closed.
ALTER TABLE surveys ADD COLUMN interaction_trigger TEXT;
