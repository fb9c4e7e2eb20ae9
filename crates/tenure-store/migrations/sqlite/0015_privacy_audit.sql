-- Customers' data rights and the audit trail (issue 17). Times are INTEGER seconds (UTC).

-- When the customer's personal data was erased: their row stays (orders still point at it and
-- reports keep their totals), emptied of everything that names them.
ALTER TABLE customers ADD COLUMN erased_at INTEGER;

-- Who may download lists of customers (CSV exports, customer export documents): NULL keeps the
-- role's default (admins and analysts may, agents may not); 1 or 0 grants or refuses it.
ALTER TABLE users ADD COLUMN may_export INTEGER;
ALTER TABLE api_tokens ADD COLUMN may_export INTEGER;

-- What was done to the customer file and by whom: sign-ins, user and token changes, imports,
-- exports and downloads, customer pages viewed, merges, erasures, settings. Append-only: the
-- triggers refuse every change and removal, whatever asks. `actor` is a user's e-mail,
-- `token:NAME`, `cli` (the machine's own user) or `system` (a job); `target` names what it was
-- done to (`customer:42`, `user:ann@shop.example`, a file name); `rows` counts what an export
-- or import carried; `address` is the client's address for web requests. `detail` is JSON and
-- never holds a customer's name or e-mail (ids only), so erasure need not touch this table.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    target   TEXT,
    rows     INTEGER,
    address  TEXT,
    outcome  TEXT    NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail   TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_action ON audit_log (action, at);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
