-- A counter of changes to what reports read (orders, customers, merges, model scores), bumped in
-- the same transaction as each such change. Servers cache report inputs and results by it: one
-- tiny read tells whether any server (or an import) changed the data since.

CREATE TABLE store_revision (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    revision  BIGINT  NOT NULL
);

INSERT INTO store_revision (id, revision) VALUES (1, 0);
