-- The telemetry read API (storage/telemetry.ts).

-- A signal's history is downsampled by aggregating every sample in the
-- range. Ingest interleaves the fleet's vehicles in the heap, so the samples
-- of one vehicle and signal lie on a different page each: 24 h of 5 signals
-- at 1 Hz with 10 vehicles writing read 90,000 heap pages and took 2.7 s on
-- PostgreSQL. With the value in the index the same read is an index-only
-- scan of ~2,000 pages. The index replaces the one of 001 under its name,
-- so ingest still maintains one index on the table; building it rewrites
-- the index over every stored sample once, blocking ingest while it runs
-- (about a minute per 20 million samples).
CREATE INDEX signal_samples_vehicle_signal_time_value ON signal_samples (vehicle_id, signal_id, time) INCLUDE (value);
DROP INDEX signal_samples_vehicle_signal_time;
ALTER INDEX signal_samples_vehicle_signal_time_value RENAME TO signal_samples_vehicle_signal_time;

-- An index-only scan reads the heap for every page the visibility map does
-- not mark all-visible, which only VACUUM does. By default autovacuum visits
-- an insert-only table after it grew by 20 %, which for a large table leaves
-- days of the most-read (recent) samples unmarked; this vacuums it after a
-- million new rows (at most once per autovacuum_naptime), each run reading
-- only the pages written since the last.
ALTER TABLE signal_samples SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000000);

-- A vehicle's open DTCs are the latest report of each ECU and DTC it ever
-- reported: with this index each (ECU, DTC) is found by a skip scan and its
-- latest and first report by one index probe each, instead of aggregating
-- the vehicle's whole DTC history (an active DTC is reported again every
-- few seconds). DTC rows are rare beside samples, so the write cost is small.
CREATE INDEX dtc_events_vehicle_code_time ON dtc_events (vehicle_id, ecu, dtc, time);
