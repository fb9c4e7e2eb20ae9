-- Order versions: the shop's own time of an order's last change, from a signed webhook body
-- (Shopify `updated_at`, WooCommerce `date_modified_gmt`), so that an older state of the order
-- — a captured delivery replayed under a new delivery id — never overwrites a newer one. NULL
-- for orders whose source gives no such time (file imports, the API): they are written as before.
ALTER TABLE orders ADD COLUMN source_modified_at TIMESTAMPTZ;

-- Why a delivery wrote nothing although it was new (an older state of its order), for people
-- reading the delivery log; NULL when it was written.
ALTER TABLE webhook_deliveries ADD COLUMN note TEXT;
