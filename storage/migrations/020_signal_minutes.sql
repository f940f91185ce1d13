-- Downsampled signal history (storage/telemetry.ts) read from a per-minute
-- rollup instead of every sample. A day of 5 signals at 1 Hz is 432,000
-- samples; aggregating them into buckets took 75-90 ms of server CPU per
-- request (135 ms end to end) and, with the console open beside ingest at
-- half load, PUBACK p99 went from 44 ms to 222 ms on 2 cores. The same day
-- from this table is 7,200 rows, read in about 15 ms.
--
-- Kept like TimescaleDB's continuous aggregates, not by a trigger or an
-- upsert per write: the batch writer adds a row to signal_minutes_pending
-- for a stored batch and minute it has samples in, unless a mark it already
-- committed covers them (storage/rollup-marks.ts), in the same statement as
-- the samples, so a mark and its samples become visible together; and a
-- periodic pass (storage/signal-rollup.ts) takes the marks and recomputes
-- those minutes from the samples. An upsert per signal and minute on every
-- write would update about half as many rollup rows as it inserts samples
-- (20 signals in a demo batch of 42 samples), each a read-modify-write;
-- a mark is one narrow row and one index entry, at most one per batch.
CREATE TABLE signal_minutes (
  vehicle_id  integer NOT NULL,
  signal_id   integer NOT NULL,
  minute      timestamptz NOT NULL,
  min         double precision NOT NULL,
  max         double precision NOT NULL,
  sum         double precision NOT NULL,
  count       integer NOT NULL,
  PRIMARY KEY (vehicle_id, signal_id, minute)
) WITH (fillfactor = 90);

-- Deleted by the pass that recomputes them; a mark committed while a pass
-- runs is not visible to it, so it stays for the next one. A minute with a
-- mark is read from the samples, so history is exact whenever it is read:
-- in any snapshot a minute's rollup row is either up to date or marked
-- (the pass deletes the marks it took in the transaction that rewrites
-- their rows). The index serves that lookup, one vehicle's marks in a range;
-- it costs one entry per stored batch, not per sample.
CREATE TABLE signal_minutes_pending (
  vehicle_id  integer NOT NULL,
  minute      timestamptz NOT NULL,
  signal_ids  integer[] NOT NULL
);
CREATE INDEX signal_minutes_pending_vehicle_minute ON signal_minutes_pending (vehicle_id, minute);
ALTER TABLE signal_minutes_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

-- What is stored now, rolled up once, while the gateway waits for its
-- migrations: 1.7M samples in 0.5 s on PostgreSQL (2 cores).
INSERT INTO signal_minutes (vehicle_id, signal_id, minute, min, max, sum, count)
SELECT vehicle_id, signal_id, date_bin('1 minute', time, '2000-01-01 00:00:00+00'), min(value), max(value), sum(value), count(*)
FROM signal_samples GROUP BY 1, 2, 3;
