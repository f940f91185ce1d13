-- Continuous aggregates on TimescaleDB (issue 19): the per-minute signal
-- rollup that downsampled history reads (migration 020) and the hourly DTC
-- rollup that the fleet quality report reads (migration 018) become
-- TimescaleDB continuous aggregates of the same names and columns, so the
-- readers (storage/telemetry.ts, storage/quality.ts) are the same SQL on
-- both shapes and the same data gives the same answers. Plain PostgreSQL and
-- the embedded PGlite (migration 028's partitions) are left as they are.
--
-- signal_minutes: TimescaleDB now computes the rows; the gateway no longer
-- writes them. It still decides when: the batch writer's marks (migration
-- 020) stay, history still reads a marked minute from the samples, and the
-- rollup pass (storage/signal-rollup.ts) refreshes the aggregate over the
-- marked minutes, then takes their marks. Not a refresh policy: TimescaleDB
-- records changes as one time range per transaction over the whole table,
-- and the projector writes many vehicles' batches in one statement, so one
-- vehicle's batch from yesterday sent beside everyone's current one would
-- make a policy recompute a day of the whole fleet. The marks name the
-- minutes that changed, so a refresh recomputes those minutes only.
--
-- dtc_report_hours: refreshed by a policy (storage/timescale.ts sets it from
-- the settings), a report reading the hours after the last refresh from
-- dtc_events (real-time aggregation). DTC reports are few beside samples, so
-- a wide refresh is cheap. The trigger keeps dtc_first_reports alone.
--
-- Both read the source for what is not materialized yet (real-time), so
-- they answer at once, before their first refresh.

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'signal_samples') THEN
    RETURN;
  END IF;

  -- Rebuilt from the samples by the rollup pass: storage/signal-rollup.ts
  -- reads this table and fills the aggregate a day at a time, oldest first,
  -- beside ingest (one refresh of a fleet's history would hold the embedded
  -- database's one session, and ingest with it, for as long as it took).
  CREATE TABLE continuous_aggregate_fills (
    view       text PRIMARY KEY,
    asked_at   timestamptz NOT NULL DEFAULT now()
  );

  DROP TABLE signal_minutes;
  -- time_bucket('1 minute') buckets as date_bin('1 minute', time, '2000-01-01') does (migration 020)
  CREATE MATERIALIZED VIEW signal_minutes
    WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
    SELECT vehicle_id, signal_id, time_bucket('1 minute', time) AS minute,
      min(value) AS min, max(value) AS max, sum(value) AS sum, count(*)::int AS count
    FROM signal_samples GROUP BY vehicle_id, signal_id, time_bucket('1 minute', time)
    WITH NO DATA;
  -- daily chunks, as the samples': retention drops them on the same days
  PERFORM set_chunk_time_interval((SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name)
    FROM timescaledb_information.continuous_aggregates WHERE view_name = 'signal_minutes')::regclass, interval '1 day');
  -- history reads one vehicle's signals in a range (storage/telemetry.ts)
  CREATE INDEX signal_minutes_vehicle_signal_minute ON signal_minutes (vehicle_id, signal_id, minute);
  INSERT INTO continuous_aggregate_fills (view) VALUES ('signal_minutes');

  DROP TABLE dtc_report_hours;
  -- status & 13: testFailed, pendingDTC or confirmedDTC (ISO 14229-1 D.2), as migration 018
  CREATE MATERIALIZED VIEW dtc_report_hours
    WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
    SELECT vehicle_id, dtc, time_bucket('1 hour', time) AS hour, min(time) AS first_at, max(time) AS last_at
    FROM dtc_events WHERE status & 13 <> 0 GROUP BY vehicle_id, dtc, time_bucket('1 hour', time)
    WITH NO DATA;
  PERFORM set_chunk_time_interval((SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name)
    FROM timescaledb_information.continuous_aggregates WHERE view_name = 'dtc_report_hours')::regclass, interval '1 day');

  -- first seen stays the trigger's: it must outlive the reports' retention
  CREATE OR REPLACE FUNCTION dtc_events_roll_up () RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO dtc_first_reports AS f (dtc, vehicle_id, first_at)
    SELECT dtc, vehicle_id, min(time) FROM new_dtc_events WHERE status & 13 <> 0
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (dtc, vehicle_id) DO UPDATE SET first_at = excluded.first_at WHERE excluded.first_at < f.first_at;
    RETURN NULL;
  END
  $fn$;
END
$do$;
