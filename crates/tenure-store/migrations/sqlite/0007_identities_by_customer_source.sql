-- A new identity joins a customer with the same e-mail only when that customer has no identity in
-- the source yet: imports check this by customer and source together, so the index on customers'
-- identities covers both (and still serves lookups by customer alone). With only the customer in
-- the index, a planner without statistics may read every identity of the source instead.
DROP INDEX identities_by_customer;
CREATE INDEX identities_by_customer_source ON identities (customer_id, source_id);
