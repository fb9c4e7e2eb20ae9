-- How a source's derived CDNOW order ids write the customer number. Sources created before this
-- migration wrote it without leading zeros (`42-19970101-1`) and keep doing so, so that
-- re-importing their files adds nothing; new sources pad it to ten digits
-- (`0000000042-19970101-1`), so that the ids of a file ordered by customer sort in file order
-- and its orders go into the order index in order.
ALTER TABLE sources ADD COLUMN unpadded_order_ids INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET unpadded_order_ids = 1;
