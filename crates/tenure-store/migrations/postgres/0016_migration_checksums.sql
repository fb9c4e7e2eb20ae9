-- The SHA-256 of each migration's SQL as it was applied (issue 17): a binary whose copy of a
-- landed migration differs — the file was edited after it landed — is refused at start instead
-- of running on a schema that may not be what its migrations say. Versions applied before this
-- table existed are recorded with the text of the first binary that migrates past it.
CREATE TABLE schema_checksums (
    version  BIGINT PRIMARY KEY,
    sha256   TEXT   NOT NULL
);
