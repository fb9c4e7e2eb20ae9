-- The loyalty programme (issue 15): the programme's rules by version, one account per member, the
-- append-only points ledger, the orders the earning job has seen, coupons, and referrals. Times
-- are TIMESTAMPTZ. What the rows mean is `tenure_loyalty`'s to say; this schema keeps them.

-- Every version of the rules ever saved; the highest is in force. `rules` is the JSON of
-- `tenure_loyalty::Programme`. Orders placed from `earn_from` earn points: the day the programme
-- started, or an earlier day the seller chose so that past orders count.
CREATE TABLE loyalty_programmes (
    version     BIGINT PRIMARY KEY,
    rules       TEXT    NOT NULL,
    earn_from   TIMESTAMPTZ NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- A member: a customer with a referral code. `balance` and `available` are the ledger's sums,
-- kept with every write so lists and the liability need not fold the ledger; the ledger stays
-- the truth and a check recomputes them. `next_due_at` is the soonest time the nightly job has
-- something to do for the account (a lot to release or expire, an expiry notice, a tier period
-- ending, a bonus). `revision` is raised by every write: the write that raises it holds the row
-- until it commits, so two writes to one account never plan against the same state.
CREATE TABLE loyalty_accounts (
    customer_id         BIGINT PRIMARY KEY REFERENCES customers (id),
    referral_code       TEXT    NOT NULL UNIQUE,
    tier                TEXT,
    tier_reached_at     TIMESTAMPTZ,
    tier_period_end     TIMESTAMPTZ,
    balance             BIGINT NOT NULL DEFAULT 0,
    available           BIGINT NOT NULL DEFAULT 0,
    owed                BIGINT NOT NULL DEFAULT 0,
    next_expiry_at      TIMESTAMPTZ,
    next_expiry_points  BIGINT NOT NULL DEFAULT 0,
    expiry_noticed_for  TIMESTAMPTZ,
    next_due_at         TIMESTAMPTZ,
    birthday            TEXT    CHECK (birthday IS NULL OR length(birthday) = 5),
    revision            BIGINT NOT NULL DEFAULT 0,
    joined_at           TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX loyalty_accounts_due ON loyalty_accounts (next_due_at) WHERE next_due_at IS NOT NULL;

-- The ledger: one row per `tenure_loyalty::Entry`, never updated or deleted. `(customer_id,
-- key, part)` is unique, so an operation applied twice (a retry, a replayed job, a racing
-- request) fails instead of counting twice. `cause` is the entry's cause as JSON (`kind` tagged),
-- `cause_kind` its tag for filters; `opens` marks the row that earns a lot, with the lot's terms.
CREATE TABLE loyalty_entries (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id        BIGINT NOT NULL REFERENCES customers (id),
    key                TEXT    NOT NULL,
    part               BIGINT NOT NULL CHECK (part >= 0),
    at                 TIMESTAMPTZ NOT NULL,
    cause_kind         TEXT    NOT NULL,
    cause              TEXT    NOT NULL,
    points             BIGINT NOT NULL,
    lot                TEXT,
    opens              BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at         TIMESTAMPTZ,
    pending_until      TIMESTAMPTZ,
    debt               BIGINT NOT NULL DEFAULT 0,
    programme_version  BIGINT REFERENCES loyalty_programmes (version),
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, key, part)
);
CREATE INDEX loyalty_entries_by_time ON loyalty_entries (at);

-- The orders the earning job has taken into account, with the status and refunded amount it
-- saw: an order is looked at again only when it is new, or its status or refunds changed.
CREATE TABLE loyalty_orders (
    order_id        BIGINT PRIMARY KEY REFERENCES orders (id),
    customer_id     BIGINT NOT NULL REFERENCES customers (id),
    status          TEXT    NOT NULL,
    refunded_minor  BIGINT NOT NULL,
    points          BIGINT NOT NULL,
    seen_at         TIMESTAMPTZ NOT NULL
);

-- A coupon issued for a redemption: the code the shop accepts, single use. `entry_key` is the
-- ledger operation that paid for it.
CREATE TABLE loyalty_coupons (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers (id),
    reward_id    TEXT    NOT NULL,
    reward_name  TEXT    NOT NULL,
    reward_kind  TEXT    NOT NULL,
    points       BIGINT NOT NULL,
    entry_key    TEXT    NOT NULL,
    issued_at    TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    UNIQUE (customer_id, entry_key)
);
CREATE INDEX loyalty_coupons_by_customer ON loyalty_coupons (customer_id, issued_at);

-- A referral: who referred whom (a customer is referred once), and what became of the reward:
-- `waiting` for the first paid order past its return window, `paid`, `held` for review (with
-- the fraud checks' `reasons`, JSON), `refused` by the checks or by a reviewer.
CREATE TABLE referrals (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referrer_id  BIGINT NOT NULL REFERENCES customers (id),
    referred_id  BIGINT NOT NULL UNIQUE REFERENCES customers (id),
    status       TEXT    NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'paid', 'held', 'refused')),
    reasons      TEXT    NOT NULL DEFAULT '[]',
    order_id     BIGINT REFERENCES orders (id),
    created_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   TEXT,
    CHECK (referrer_id <> referred_id)
);
CREATE INDEX referrals_by_referrer ON referrals (referrer_id, created_at);
CREATE INDEX referrals_by_status ON referrals (status, created_at);
