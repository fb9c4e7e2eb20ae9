-- Writes through the API and signed incoming webhooks (issue 5). (0004 is another change's.)
--
-- A source may accept webhooks: its signing scheme and its secret. The secret is stored as the
-- platform gave it, NOT hashed: verifying an HMAC signature needs the key itself. Whoever can read
-- this column can forge that source's deliveries, so guard the database (and its backups) as you
-- guard the shop's API credentials; Tenure never logs or prints it after `tenure source add`.
-- Removing a source's webhooks clears both columns; the source and its data stay.
ALTER TABLE sources ADD COLUMN webhook_kind TEXT CHECK (webhook_kind IN ('shopify', 'woocommerce', 'standard'));
ALTER TABLE sources ADD COLUMN webhook_secret TEXT;
ALTER TABLE sources ADD COLUMN webhook_added_at INTEGER;

-- Every webhook delivery that wrote an order, by the platform's delivery id: a repeated delivery
-- finds its row and changes nothing. Written in the same transaction as the order.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    delivery_id  TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    order_id     INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    received_at  INTEGER NOT NULL,
    UNIQUE (source_id, delivery_id)
);

-- Idempotency-Key of API writes: the key, the SHA-256 (hex) of the request body it came with, and
-- the response that was given, written in the same transaction as the write. The same key with
-- the same body gets that response again; with another body it is refused.
CREATE TABLE idempotency_keys (
    scope           TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    request_sha256  TEXT    NOT NULL,
    status          INTEGER NOT NULL,
    response        TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
