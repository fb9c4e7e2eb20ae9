-- The zone of the times a source's files write without one (OpenCart's date_added is the shop
-- server's clock), as an IANA name; NULL until an import names one (UTC is then assumed).
ALTER TABLE sources ADD COLUMN time_zone TEXT;
