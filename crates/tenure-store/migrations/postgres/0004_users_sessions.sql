-- People who sign in to the dashboard (issue 5), and their sessions. Passwords are kept only as
-- argon2id hashes (PHC strings); sessions only as the SHA-256 of the cookie's random secret, so a
-- copy of the database lets no one in. Removing a user ends their sessions. Sessions live in the
-- database, so several `tenure serve` processes over one database share them.

CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT        NOT NULL UNIQUE,
    name            TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('admin', 'analyst', 'agent')),
    password_hash   TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    password_set_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_sha256  TEXT        NOT NULL UNIQUE,
    user_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
