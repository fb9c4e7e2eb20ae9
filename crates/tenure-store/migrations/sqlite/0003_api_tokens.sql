-- API tokens for integrations (issue 5): only a SHA-256 of each token is kept, so a copy of the
-- database does not give access. A revoked token stays, for the audit trail.

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'agent')),
    token_sha256  TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
