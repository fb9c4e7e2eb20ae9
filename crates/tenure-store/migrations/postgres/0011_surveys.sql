-- Surveys (issue 13): definitions in versions, invitations with single-use links, responses.
-- Times are TIMESTAMPTZ.

-- A survey. Its questions live in `survey_versions`; every edit writes a new version and moves
-- `version` to it, so responses keep the questions they answered. `public_token` names the
-- public link (public by design, so stored as is). A customer is invited to one survey at most
-- once per `interval_days`. `purchase_trigger` (JSON: delay in days, optional source and
-- product) invites after purchases placed from `trigger_since` on; `trigger_watermark` is the
-- last order id the trigger has looked at.
CREATE TABLE surveys (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    version            BIGINT  NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'closed')),
    public_token       TEXT    NOT NULL UNIQUE,
    interval_days      BIGINT  NOT NULL,
    link_days          BIGINT  NOT NULL,
    reminders          BIGINT  NOT NULL,
    reminder_gap_days  BIGINT  NOT NULL,
    min_fill_seconds   BIGINT  NOT NULL,
    frame_ancestors    TEXT    NOT NULL DEFAULT '',
    purchase_trigger   TEXT,
    trigger_since      TIMESTAMPTZ,
    trigger_watermark  BIGINT  NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE survey_versions (
    survey_id   BIGINT  NOT NULL REFERENCES surveys (id),
    version     BIGINT  NOT NULL,
    definition  TEXT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- One invitation of one customer to one survey, for one cause (`order:ID`, `send:…`), which
-- makes it unique: a cause never invites twice. It is `scheduled` until `due_at`, then `queued`
-- (its e-mail is in the outbox) or `skipped` with the reason; `answered` once a response is in.
CREATE TABLE survey_invitations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id       BIGINT  NOT NULL REFERENCES surveys (id),
    customer_id     BIGINT  NOT NULL REFERENCES customers (id),
    cause           TEXT    NOT NULL,
    order_id        BIGINT REFERENCES orders (id),
    state           TEXT    NOT NULL DEFAULT 'scheduled'
                            CHECK (state IN ('scheduled', 'queued', 'skipped', 'answered')),
    skip_reason     TEXT,
    due_at          TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    reminders_sent  BIGINT  NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
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
    invitation_id  BIGINT  NOT NULL REFERENCES survey_invitations (id),
    created_at     TIMESTAMPTZ NOT NULL
);

-- A response: begun on its first page, kept page by page, `submitted_at` once complete. One per
-- invitation. A public-link response is resumed by the SHA-256 of a random key in a cookie.
-- `answers` is a JSON object by question id (see tenure-surveys' answers.rs).
CREATE TABLE survey_responses (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id      BIGINT  NOT NULL REFERENCES surveys (id),
    version        BIGINT  NOT NULL,
    invitation_id  BIGINT UNIQUE REFERENCES survey_invitations (id),
    customer_id    BIGINT REFERENCES customers (id),
    channel        TEXT    NOT NULL CHECK (channel IN ('email', 'link', 'embed', 'api')),
    language       TEXT    NOT NULL,
    answers        TEXT    NOT NULL,
    next_page      BIGINT  NOT NULL,
    resume_hash    TEXT    UNIQUE,
    started_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    submitted_at   TIMESTAMPTZ
);
CREATE INDEX survey_responses_submitted ON survey_responses (survey_id, submitted_at);
CREATE INDEX survey_responses_by_customer ON survey_responses (customer_id, submitted_at);

-- What to do when an answer is bad — a score at most a threshold, an NPS detractor, a negative
-- comment — or good: a promoter. Each rule may e-mail a team address, send a `survey.alert` event
-- to webhook subscriptions (Slack-compatible), open a follow-up case, or (promoters) invite the
-- customer to another survey (a testimonial).
CREATE TABLE survey_alert_rules (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id       BIGINT  NOT NULL REFERENCES surveys (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('score_at_most', 'detractor', 'negative_comment', 'promoter')),
    question        TEXT,
    threshold       BIGINT ,
    notify_email    TEXT,
    notify_webhook  BOOLEAN NOT NULL DEFAULT FALSE,
    open_case       BOOLEAN NOT NULL DEFAULT FALSE,
    case_owner      TEXT,
    invite_survey   BIGINT  REFERENCES surveys (id),
    case_due_days   BIGINT  NOT NULL DEFAULT 2,
    created_at      TIMESTAMPTZ NOT NULL,
    removed_at      TIMESTAMPTZ
);

-- A follow-up of a bad answer: who owns it, by when, what was done, and whether the customer
-- was recovered. Opened in the transaction that submitted the response.
CREATE TABLE survey_cases (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id    BIGINT  NOT NULL REFERENCES surveys (id),
    response_id  BIGINT  NOT NULL REFERENCES survey_responses (id),
    rule_id      BIGINT  REFERENCES survey_alert_rules (id),
    customer_id  BIGINT  REFERENCES customers (id),
    reason       TEXT    NOT NULL,
    owner        TEXT,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome      TEXT    CHECK (outcome IN ('recovered', 'not_recovered')),
    notes        TEXT    NOT NULL DEFAULT '',
    due_at       TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    UNIQUE (response_id, rule_id)
);
CREATE INDEX survey_cases_open ON survey_cases (due_at) WHERE status = 'open';

-- Testimonials: answers to text questions marked `testimonial`, kept for staff to approve before
-- they count (shown, and towards the customer's influence). `publish` is what the customer
-- allowed (`first_name`, `anonymous`, `no`), when the survey asked.
CREATE TABLE testimonials (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id    BIGINT  NOT NULL REFERENCES surveys (id),
    response_id  BIGINT  NOT NULL REFERENCES survey_responses (id),
    question     TEXT    NOT NULL,
    customer_id  BIGINT  REFERENCES customers (id),
    text         TEXT    NOT NULL,
    publish      TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by   TEXT,
    decided_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (response_id, question)
);
CREATE INDEX testimonials_by_state ON testimonials (state, id);

-- The language a customer reads (an IETF tag such as `de-AT`); NULL: the shop's default.
ALTER TABLE customers ADD COLUMN language TEXT;
