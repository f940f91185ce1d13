-- Time-partitioned telemetry (issue 19): the raw archive, decoded samples,
-- GNSS fixes, DTC events, the per-minute rollup and dead letters are split
-- by day of their time column, so retention drops whole days (no DELETE, no
-- bloat, no vacuum debt) and a read of a time range touches its days only.
--
-- Two shapes, chosen here once:
-- - TimescaleDB when the server offers it: each table becomes a hypertable
--   of daily chunks; storage/timescale.ts adds the compression and retention
--   policies from the gateway's settings.
-- - Otherwise (plain PostgreSQL, the embedded PGlite) declarative range
--   partitions: storage/partitions.ts creates each day's partition ahead and
--   drops expired ones. A DEFAULT partition catches a row whose day has no
--   partition yet (a vehicle's backlog from before the gateway ran, a
--   partition that could not be created), so no write ever fails for want of
--   one; the maintenance pass moves such rows into their day's partition.
--
-- Rows already stored are kept without being rewritten: the old table is
-- attached whole as one partition, `<table>_legacy`, covering everything up
-- to the day after its newest row, and is dropped like any partition once
-- all of it has expired. (Copying a fleet's history here would hold the
-- migration for hours.)
--
-- A partitioned table's unique keys must hold its partition column, so the
-- archive's key becomes (vehicle_id, seq, base_time): a retransmission has
-- the same base time (it is the same bytes), so redelivery is still found;
-- a T-box whose seq counter restarted sends new batches with new times,
-- which are now stored as the new data they are (they were dead letters).
-- Dead letters' key becomes (id, received_at).

CREATE FUNCTION pitwall_attach_legacy (tbl text, col text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  legacy text := tbl || '_legacy';
  newest timestamptz;
  upper_bound timestamptz;
BEGIN
  EXECUTE format('SELECT max(%I) FROM %I', col, legacy) INTO newest;
  IF newest IS NULL THEN
    EXECUTE format('DROP TABLE %I', legacy);
    RETURN;
  END IF;
  upper_bound := date_trunc('day', greatest(newest, now()), 'UTC') + interval '1 day';
  -- the CHECK lets ATTACH skip scanning the table for rows outside the range
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I < %L)', legacy, legacy || '_range', col, upper_bound);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', tbl, legacy, upper_bound);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', legacy, legacy || '_range');
END
$fn$;

-- TimescaleDB when it loads; a server that lists it without preloading it
-- refuses CREATE EXTENSION, and then the plain path is taken.
CREATE FUNCTION pitwall_try_timescaledb () RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    RETURN false;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'timescaledb is available but did not load (%); using plain partitions', SQLERRM;
    RETURN false;
  END;
  RETURN true;
END
$fn$;

DO $do$
BEGIN
  IF pitwall_try_timescaledb() THEN
    -- the keys a hypertable can hold
    ALTER TABLE batches DROP CONSTRAINT batches_pkey;
    ALTER TABLE batches ADD PRIMARY KEY (vehicle_id, seq, base_time);
    ALTER TABLE dead_letters DROP CONSTRAINT dead_letters_pkey;
    ALTER TABLE dead_letters ADD PRIMARY KEY (id, received_at);
    -- migrate_data moves rows already stored into chunks
    PERFORM create_hypertable('batches', 'base_time', chunk_time_interval => interval '1 day', migrate_data => true, create_default_indexes => false);
    PERFORM create_hypertable('signal_samples', 'time', chunk_time_interval => interval '1 day', migrate_data => true, create_default_indexes => false);
    PERFORM create_hypertable('gnss_fixes', 'time', chunk_time_interval => interval '1 day', migrate_data => true, create_default_indexes => false);
    PERFORM create_hypertable('dtc_events', 'time', chunk_time_interval => interval '1 day', migrate_data => true, create_default_indexes => false);
    PERFORM create_hypertable('signal_minutes', 'minute', chunk_time_interval => interval '7 days', migrate_data => true, create_default_indexes => false);
    PERFORM create_hypertable('dead_letters', 'received_at', chunk_time_interval => interval '1 day', migrate_data => true, create_default_indexes => false);
    -- Compressed chunks keep each vehicle's (and signal's) rows together in
    -- time order: the shape every read has (one vehicle, a time range).
    ALTER TABLE signal_samples SET (timescaledb.compress, timescaledb.compress_segmentby = 'vehicle_id, signal_id', timescaledb.compress_orderby = 'time');
    ALTER TABLE gnss_fixes SET (timescaledb.compress, timescaledb.compress_segmentby = 'vehicle_id', timescaledb.compress_orderby = 'time');
    ALTER TABLE dtc_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'vehicle_id', timescaledb.compress_orderby = 'time');
    ALTER TABLE batches SET (timescaledb.compress, timescaledb.compress_segmentby = 'vehicle_id', timescaledb.compress_orderby = 'base_time, seq');
    -- as for the plain partitions below: the projector's flag update must not copy the payload
    ALTER TABLE batches SET (toast_tuple_target = 128);
    RETURN;
  END IF;

  -- Plain partitions. Each table is renamed aside with its indexes, made
  -- again partitioned with the same columns, keys and indexes (their names
  -- kept), and the old one attached as its legacy partition.
  ALTER TABLE batches RENAME TO batches_legacy;
  ALTER TABLE batches_legacy DROP CONSTRAINT batches_pkey;
  ALTER INDEX batches_vehicle_time RENAME TO batches_legacy_vehicle_time;
  ALTER INDEX batches_unprojected RENAME TO batches_legacy_unprojected;
  CREATE TABLE batches (LIKE batches_legacy INCLUDING DEFAULTS INCLUDING COMPRESSION, PRIMARY KEY (vehicle_id, seq, base_time),
    FOREIGN KEY (vehicle_id) REFERENCES vehicles (id)) PARTITION BY RANGE (base_time);
  PERFORM pitwall_attach_legacy('batches', 'base_time');
  CREATE INDEX batches_vehicle_time ON batches (vehicle_id, base_time);
  CREATE INDEX batches_unprojected ON batches (received_at) WHERE NOT projected;
  -- Each batch is written twice: stored unprojected before its PUBACK, then
  -- its `projected` flag set (migration 027). With the payload inline (a
  -- demo batch is 1.75 kB after lz4, under the 2 kB TOAST threshold) the
  -- update copies it too; moved to TOAST, the update rewrites a ~100-byte
  -- row and the payload stays where it is. Every partition gets this
  -- (storage/partitions.ts); the legacy one keeps its old rows as they are.
  CREATE TABLE batches_default PARTITION OF batches DEFAULT WITH (toast_tuple_target = 128);

  ALTER TABLE signal_samples RENAME TO signal_samples_legacy;
  ALTER INDEX signal_samples_vehicle_signal_time RENAME TO signal_samples_legacy_vehicle_signal_time;
  CREATE TABLE signal_samples (LIKE signal_samples_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (time);
  PERFORM pitwall_attach_legacy('signal_samples', 'time');
  CREATE INDEX signal_samples_vehicle_signal_time ON signal_samples (vehicle_id, signal_id, time) INCLUDE (value);
  CREATE TABLE signal_samples_default PARTITION OF signal_samples DEFAULT;

  ALTER TABLE gnss_fixes RENAME TO gnss_fixes_legacy;
  ALTER INDEX gnss_fixes_vehicle_time RENAME TO gnss_fixes_legacy_vehicle_time;
  CREATE TABLE gnss_fixes (LIKE gnss_fixes_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (time);
  PERFORM pitwall_attach_legacy('gnss_fixes', 'time');
  CREATE INDEX gnss_fixes_vehicle_time ON gnss_fixes (vehicle_id, time);
  CREATE TABLE gnss_fixes_default PARTITION OF gnss_fixes DEFAULT;

  ALTER TABLE dtc_events RENAME TO dtc_events_legacy;
  DROP TRIGGER dtc_events_roll_up ON dtc_events_legacy;
  ALTER INDEX dtc_events_vehicle_time RENAME TO dtc_events_legacy_vehicle_time;
  ALTER INDEX dtc_events_vehicle_code_time RENAME TO dtc_events_legacy_vehicle_code_time;
  CREATE TABLE dtc_events (LIKE dtc_events_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (time);
  PERFORM pitwall_attach_legacy('dtc_events', 'time');
  CREATE INDEX dtc_events_vehicle_time ON dtc_events (vehicle_id, time);
  CREATE INDEX dtc_events_vehicle_code_time ON dtc_events (vehicle_id, ecu, dtc, time);
  CREATE TABLE dtc_events_default PARTITION OF dtc_events DEFAULT;
  -- the quality report's rollup (migration 018) follows the table
  CREATE TRIGGER dtc_events_roll_up AFTER INSERT ON dtc_events
    REFERENCING NEW TABLE AS new_dtc_events
    FOR EACH STATEMENT EXECUTE FUNCTION dtc_events_roll_up();

  ALTER TABLE signal_minutes RENAME TO signal_minutes_legacy;
  ALTER TABLE signal_minutes_legacy DROP CONSTRAINT signal_minutes_pkey;
  CREATE TABLE signal_minutes (LIKE signal_minutes_legacy INCLUDING DEFAULTS, PRIMARY KEY (vehicle_id, signal_id, minute)) PARTITION BY RANGE (minute);
  PERFORM pitwall_attach_legacy('signal_minutes', 'minute');
  CREATE TABLE signal_minutes_default PARTITION OF signal_minutes DEFAULT;

  -- The id stays an identity, now the partitioned table's, continuing after
  -- the highest id stored.
  ALTER TABLE dead_letters RENAME TO dead_letters_legacy;
  ALTER TABLE dead_letters_legacy DROP CONSTRAINT dead_letters_pkey;
  ALTER TABLE dead_letters_legacy ALTER COLUMN id DROP IDENTITY;
  ALTER INDEX dead_letters_vin_time RENAME TO dead_letters_legacy_vin_time;
  CREATE TABLE dead_letters (LIKE dead_letters_legacy INCLUDING DEFAULTS, PRIMARY KEY (id, received_at)) PARTITION BY RANGE (received_at);
  ALTER TABLE dead_letters ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
  PERFORM setval(pg_get_serial_sequence('dead_letters', 'id'), coalesce((SELECT max(id) FROM dead_letters_legacy), 0) + 1, false);
  PERFORM pitwall_attach_legacy('dead_letters', 'received_at');
  CREATE INDEX dead_letters_vin_time ON dead_letters (vin, received_at);
  CREATE TABLE dead_letters_default PARTITION OF dead_letters DEFAULT;
END
$do$;

DROP FUNCTION pitwall_attach_legacy (text, text);
DROP FUNCTION pitwall_try_timescaledb ();
