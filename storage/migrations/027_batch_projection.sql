-- Decoded rows are projected from the raw archive off the PUBACK path
-- (storage/projector.ts): a batch is stored unprojected before its PUBACK, and
-- its samples, GNSS fixes, DTC rows and rollup marks land later, in one
-- statement with the flag, so a batch is projected once or not at all. After a
-- crash the batches still unprojected are decoded again from their payload
-- (gateway/projection-recovery.ts). Batches stored before this were written
-- with their rows.
ALTER TABLE batches ADD COLUMN projected boolean NOT NULL DEFAULT true;
ALTER TABLE batches ALTER COLUMN projected SET DEFAULT false;
-- why a batch's rows could not be written (the database refused them for good); it then counts as projected, so nothing loops on it
ALTER TABLE batches ADD COLUMN projection_error text;
-- unprojected by `pitwall reproject`, which writes their rows for its range only: the recovery pass leaves them alone
ALTER TABLE batches ADD COLUMN reprojecting boolean NOT NULL DEFAULT false;
CREATE INDEX batches_unprojected ON batches (received_at) WHERE NOT projected;
