-- People who sign in to the dashboard (issue 5), and their sessions. Passwords are kept only as
-- argon2id hashes (PHC strings); sessions only as the SHA-256 of the cookie's random secret, so a
-- copy of the database lets no one in. Removing a user ends their sessions.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'agent')),
    password_hash  TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    password_set_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_sha256  TEXT    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
