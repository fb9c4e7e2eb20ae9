-- Surveys (issue 13): definitions in versions, invitations with single-use links, responses.
-- Times are INTEGER seconds.

-- A survey. Its questions live in `survey_versions`; every edit writes a new version and moves
-- `version` to it, so responses keep the questions they answered. `public_token` names the
-- public link (public by design, so stored as is). A customer is invited to one survey at most
-- once per `interval_days`. `purchase_trigger` (JSON: delay in days, optional source and
-- product) invites after purchases placed from `trigger_since` on; `trigger_watermark` is the
-- last order id the trigger has looked at.
CREATE TABLE surveys (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    version            INTEGER NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'closed')),
    public_token       TEXT    NOT NULL UNIQUE,
    interval_days      INTEGER NOT NULL,
    link_days          INTEGER NOT NULL,
    reminders          INTEGER NOT NULL,
    reminder_gap_days  INTEGER NOT NULL,
    min_fill_seconds   INTEGER NOT NULL,
    frame_ancestors    TEXT    NOT NULL DEFAULT '',
    purchase_trigger   TEXT,
    trigger_since      INTEGER,
    trigger_watermark  INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE survey_versions (
    survey_id   INTEGER NOT NULL REFERENCES surveys (id),
    version     INTEGER NOT NULL,
    definition  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- One invitation of one customer to one survey, for one cause (`order:ID`, `send:…`), which
-- makes it unique: a cause never invites twice. It is `scheduled` until `due_at`, then `queued`
-- (its e-mail is in the outbox) or `skipped` with the reason; `answered` once a response is in.
CREATE TABLE survey_invitations (
    id              INTEGER PRIMARY KEY,
    survey_id       INTEGER NOT NULL REFERENCES surveys (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    cause           TEXT    NOT NULL,
    order_id        INTEGER REFERENCES orders (id),
    state           TEXT    NOT NULL DEFAULT 'scheduled'
                            CHECK (state IN ('scheduled', 'queued', 'skipped', 'answered')),
    skip_reason     TEXT,
    due_at          INTEGER NOT NULL,
    sent_at         INTEGER,
    expires_at      INTEGER,
    reminders_sent  INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    UNIQUE (survey_id, cause)
);
CREATE INDEX survey_invitations_due ON survey_invitations (due_at) WHERE state = 'scheduled';
CREATE INDEX survey_invitations_open ON survey_invitations (sent_at) WHERE state = 'queued';
CREATE INDEX survey_invitations_by_customer ON survey_invitations (customer_id, survey_id, sent_at);

-- The links of an invitation: the SHA-256 of each random token, minted when its e-mail leaves
-- (a reminder, or a retried delivery, mints another; each works until the invitation is answered
-- or expires). The tokens themselves are stored nowhere.
CREATE TABLE survey_tokens (
    token_hash     TEXT    PRIMARY KEY,
    invitation_id  INTEGER NOT NULL REFERENCES survey_invitations (id),
    created_at     INTEGER NOT NULL
);

-- A response: begun on its first page, kept page by page, `submitted_at` once complete. One per
-- invitation. A public-link response is resumed by the SHA-256 of a random key in a cookie.
-- `answers` is a JSON object by question id (see tenure-surveys' answers.rs).
CREATE TABLE survey_responses (
    id             INTEGER PRIMARY KEY,
    survey_id      INTEGER NOT NULL REFERENCES surveys (id),
    version        INTEGER NOT NULL,
    invitation_id  INTEGER UNIQUE REFERENCES survey_invitations (id),
    customer_id    INTEGER REFERENCES customers (id),
    channel        TEXT    NOT NULL CHECK (channel IN ('email', 'link', 'embed', 'api')),
    language       TEXT    NOT NULL,
    answers        TEXT    NOT NULL,
    next_page      INTEGER NOT NULL,
    resume_hash    TEXT    UNIQUE,
    started_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    submitted_at   INTEGER
);
CREATE INDEX survey_responses_submitted ON survey_responses (survey_id, submitted_at);
CREATE INDEX survey_responses_by_customer ON survey_responses (customer_id, submitted_at);

-- What to do when an answer is bad — a score at most a threshold, an NPS detractor, a negative
-- comment — or good: a promoter. Each rule may e-mail a team address, send a `survey.alert` event
-- to webhook subscriptions (Slack-compatible), open a follow-up case, or (promoters) invite the
-- customer to another survey (a testimonial).
CREATE TABLE survey_alert_rules (
    id              INTEGER PRIMARY KEY,
    survey_id       INTEGER NOT NULL REFERENCES surveys (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('score_at_most', 'detractor', 'negative_comment', 'promoter')),
    question        TEXT,
    threshold       INTEGER,
    notify_email    TEXT,
    notify_webhook  INTEGER NOT NULL DEFAULT 0,
    open_case       INTEGER NOT NULL DEFAULT 0,
    case_owner      TEXT,
    invite_survey   INTEGER REFERENCES surveys (id),
    case_due_days   INTEGER NOT NULL DEFAULT 2,
    created_at      INTEGER NOT NULL,
    removed_at      INTEGER
);

-- A follow-up of a bad answer: who owns it, by when, what was done, and whether the customer
-- was recovered. Opened in the transaction that submitted the response.
CREATE TABLE survey_cases (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys (id),
    response_id  INTEGER NOT NULL REFERENCES survey_responses (id),
    rule_id      INTEGER REFERENCES survey_alert_rules (id),
    customer_id  INTEGER REFERENCES customers (id),
    reason       TEXT    NOT NULL,
    owner        TEXT,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome      TEXT    CHECK (outcome IN ('recovered', 'not_recovered')),
    notes        TEXT    NOT NULL DEFAULT '',
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    UNIQUE (response_id, rule_id)
);
CREATE INDEX survey_cases_open ON survey_cases (due_at) WHERE status = 'open';

-- Testimonials: answers to text questions marked `testimonial`, kept for staff to approve before
-- they count (shown, and towards the customer's influence). `publish` is what the customer
-- allowed (`first_name`, `anonymous`, `no`), when the survey asked.
CREATE TABLE testimonials (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys (id),
    response_id  INTEGER NOT NULL REFERENCES survey_responses (id),
    question     TEXT    NOT NULL,
    customer_id  INTEGER REFERENCES customers (id),
    text         TEXT    NOT NULL,
    publish      TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by   TEXT,
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (response_id, question)
);
CREATE INDEX testimonials_by_state ON testimonials (state, id);

-- The language a customer reads (an IETF tag such as `de-AT`); NULL: the shop's default.
ALTER TABLE customers ADD COLUMN language TEXT;
