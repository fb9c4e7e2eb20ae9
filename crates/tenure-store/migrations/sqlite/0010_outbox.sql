-- Messages out (issue 12): the outbox, outgoing webhook subscriptions, the suppression list,
-- durable jobs, and the settings a server keeps (the key that signs unsubscribe links).
-- Times are INTEGER seconds.

-- Subscriptions to Tenure's events, delivered signed per Standard Webhooks. The secret is stored
-- as generated (HMAC needs it); during a rotation the previous one signs too until it expires.
CREATE TABLE webhook_subscriptions (
    id                     INTEGER PRIMARY KEY,
    url                    TEXT    NOT NULL,
    events                 TEXT    NOT NULL,
    secret                 TEXT    NOT NULL,
    previous_secret        TEXT,
    previous_secret_until  INTEGER,
    allow_private          INTEGER NOT NULL DEFAULT 0,
    body_format            TEXT    NOT NULL DEFAULT 'standard' CHECK (body_format IN ('standard', 'slack')),
    created_at             INTEGER NOT NULL,
    removed_at             INTEGER
);

-- One row per side effect, written in the transaction of its cause: a rolled-back cause leaves
-- none. Workers claim due rows with a lease, deliver, and mark them sent; a failure waits out a
-- back-off and is tried again, up to a limit, then the row is dead. A message that policy stops
-- at send time (suppressed, capped, no consent) is `skipped` with the reason.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('email', 'webhook')),
    purpose          TEXT    NOT NULL CHECK (purpose IN ('transactional', 'survey', 'marketing')),
    topic            TEXT    NOT NULL,
    customer_id      INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    recipient        TEXT    NOT NULL,
    subscription_id  INTEGER REFERENCES webhook_subscriptions (id),
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead', 'skipped')),
    not_before       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    skip_reason      TEXT,
    lease_owner      TEXT,
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    dedupe_key       TEXT    UNIQUE
);
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE state = 'pending';
-- The frequency cap asks: was this customer sent a survey or marketing message lately?
CREATE INDEX outbox_contacted ON outbox (customer_id, finished_at)
    WHERE state = 'sent' AND purpose <> 'transactional';
CREATE INDEX outbox_by_state ON outbox (state, id);

-- Addresses never to be sent (some) messages again, checked at send time. `unsubscribed` and
-- `complained` stop surveys and marketing; `hard_bounced` and `erased` stop everything.
CREATE TABLE suppressions (
    email        TEXT    PRIMARY KEY,
    reason       TEXT    NOT NULL CHECK (reason IN ('unsubscribed', 'complained', 'hard_bounced', 'erased')),
    customer_id  INTEGER,
    created_at   INTEGER NOT NULL
);

-- Customers who said no to surveys (NULL: never asked; surveys are sent unless this is 0).
ALTER TABLE customers ADD COLUMN survey_consent INTEGER;

-- Values a server generates once and every process shares (the link-signing key).
CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Durable jobs: delayed and recurring work ("send this survey 7 days after the purchase", "every
-- night at 02:00 in the shop's zone, evaluate the rules", "refit the models every 10 minutes when
-- orders came in"). A job is unique by its key, so scheduling it again changes nothing; workers
-- claim due jobs with a lease, as they claim the outbox. At least once: handlers are idempotent.
-- `memo` is what the last run left for the next (the store revision a refit saw, say).
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    key            TEXT    NOT NULL UNIQUE,
    payload        TEXT    NOT NULL DEFAULT '{}',
    run_at         INTEGER NOT NULL,
    every_seconds  INTEGER,
    daily_at       TEXT,
    time_zone      TEXT,
    state          TEXT    NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'done', 'dead')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    memo           TEXT,
    lease_owner    TEXT,
    lease_until    INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'scheduled';

-- Every run of every job: when, how it ended, what it said.
CREATE TABLE job_runs (
    id           INTEGER PRIMARY KEY,
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('done', 'failed')),
    detail       TEXT
);
CREATE INDEX job_runs_by_job ON job_runs (job_id, id);
