-- The customer file: sources, customers, their per-source identities, orders, identity merges.
-- Every per-customer table carries customer_id so it can later be distributed by customer.

CREATE TABLE sources (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT        NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              TEXT,
    name               TEXT,
    marketing_consent  BOOLEAN,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_by_email ON customers (email) WHERE email IS NOT NULL;

CREATE TABLE identities (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    BIGINT      NOT NULL REFERENCES sources (id),
    external_id  TEXT        NOT NULL,
    customer_id  BIGINT      NOT NULL REFERENCES customers (id),
    email        TEXT,
    name         TEXT,
    marketing_consent BOOLEAN,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, external_id)
);
CREATE INDEX identities_by_customer ON identities (customer_id);

CREATE TABLE orders (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id       BIGINT      NOT NULL REFERENCES sources (id),
    external_id     TEXT        NOT NULL,
    identity_id     BIGINT      NOT NULL REFERENCES identities (id),
    customer_id     BIGINT      NOT NULL REFERENCES customers (id),
    placed_at       TIMESTAMPTZ NOT NULL,
    status          TEXT        NOT NULL,
    currency        TEXT        NOT NULL,
    total_minor     BIGINT      NOT NULL,
    refunded_minor  BIGINT      NOT NULL,
    items           TEXT        NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, external_id)
);
-- Covers the analytics scan (purchases by customer, then time) so reports read the index alone.
CREATE INDEX orders_by_customer_time ON orders (customer_id, placed_at) INCLUDE (currency, status, total_minor, refunded_minor);

CREATE TABLE identity_merges (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id       BIGINT      NOT NULL REFERENCES identities (id),
    customer_id       BIGINT      NOT NULL REFERENCES customers (id),
    reason            TEXT        NOT NULL,
    merged_at         TIMESTAMPTZ NOT NULL,
    undone_at         TIMESTAMPTZ,
    split_customer_id BIGINT REFERENCES customers (id)
);
CREATE INDEX identity_merges_by_customer ON identity_merges (customer_id);
