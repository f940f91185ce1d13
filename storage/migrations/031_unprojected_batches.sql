-- Which stored batches still wait for their decoded rows, as rows of their
-- own instead of a flag on the batch (migration 027). Setting the flag was an
-- UPDATE of every batch, never HOT (the flag was in a partial index's
-- predicate), so each batch was written twice with its key indexes: a
-- quarter of the writer's time in the storage bench. Now the batch writer
-- inserts a batch's key here in the statement that archives it (before its
-- PUBACK), and the projector deletes the key in the transaction that writes
-- the batch's rows: a batch is projected once or not at all, as before, and
-- the archive is written once. The table holds only the lag (what queues in
-- projectors, what a stopped node left, what `pitwall reproject` unprojected).
CREATE TABLE unprojected_batches (
  vehicle_id   integer NOT NULL,
  seq          bigint NOT NULL,
  base_time    timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- unprojected by `pitwall reproject`, which writes their rows for its range only: the recovery pass leaves them alone
  reprojecting boolean NOT NULL DEFAULT false,
  PRIMARY KEY (vehicle_id, seq, base_time)
) WITH (
  -- every row is deleted seconds after its insert: vacuum by count, not by a share of a table that stays small
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000
);

INSERT INTO unprojected_batches (vehicle_id, seq, base_time, received_at, reprojecting)
  SELECT vehicle_id, seq, base_time, received_at, reprojecting FROM batches WHERE NOT projected;

-- the partial index batches_unprojected goes with the column its predicate names
ALTER TABLE batches DROP COLUMN projected, DROP COLUMN reprojecting;
