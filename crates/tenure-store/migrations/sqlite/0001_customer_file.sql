-- The customer file: sources, customers, their per-source identities, orders, identity merges.
-- Times are INTEGER seconds since 1970-01-01 UTC; money is INTEGER minor units + ISO-4217 code.

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE customers (
    id                 INTEGER PRIMARY KEY,
    email              TEXT,
    name               TEXT,
    marketing_consent  INTEGER,
    created_at         INTEGER NOT NULL
);
CREATE INDEX customers_by_email ON customers (email) WHERE email IS NOT NULL;

CREATE TABLE identities (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    external_id  TEXT    NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    email        TEXT,
    name         TEXT,
    marketing_consent INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (source_id, external_id)
);
CREATE INDEX identities_by_customer ON identities (customer_id);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources (id),
    external_id     TEXT    NOT NULL,
    identity_id     INTEGER NOT NULL REFERENCES identities (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    placed_at       INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    total_minor     INTEGER NOT NULL,
    refunded_minor  INTEGER NOT NULL,
    items           TEXT    NOT NULL,
    imported_at     INTEGER NOT NULL,
    UNIQUE (source_id, external_id)
);
-- Covers the analytics scan (purchases by customer, then time) so reports read the index alone.
CREATE INDEX orders_by_customer_time ON orders (customer_id, placed_at, currency, status, total_minor, refunded_minor);

CREATE TABLE identity_merges (
    id                INTEGER PRIMARY KEY,
    identity_id       INTEGER NOT NULL REFERENCES identities (id),
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    reason            TEXT    NOT NULL,
    merged_at         INTEGER NOT NULL,
    undone_at         INTEGER,
    split_customer_id INTEGER REFERENCES customers (id)
);
CREATE INDEX identity_merges_by_customer ON identity_merges (customer_id);
