-- Each vehicle's latest report of each (ECU, DTC), and its first: what a
-- vehicle's open DTCs are read from (storage/telemetry.ts openDtcs), the
-- slowest part of the console's "last known state". Read from dtc_events, it
-- walked every (ECU, DTC) pair by a skip scan and probed each pair's latest
-- and first report, and each probe opened an index scan in every daily
-- partition: with 65 of them, 4.4 ms to plan and 3.7 ms to run on
-- PostgreSQL, for a vehicle with two DTCs. Here it is one index range.
--
-- Kept by a statement trigger, as migration 018's rollups are, so every
-- writer of dtc_events keeps it; rows go in key order so that two gateways'
-- commits lock them in the same order. A report older than the latest moves
-- only first_at (when it is older still): the projector writes a vehicle's
-- batches in any order. first_at stays the first report after retention
-- drops it, as "first seen" does in dtc_first_reports; retention deletes a
-- row once its latest report is past the DTCs' retention
-- (storage/retention.ts), and a rebuild (pitwall reproject) recomputes the
-- rows of the reports it deletes (storage/batch-archive.ts unproject).
CREATE TABLE dtc_latest_reports (
  vehicle_id  integer NOT NULL,
  ecu         integer NOT NULL,
  dtc         integer NOT NULL,
  first_at    timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
  status      smallint NOT NULL,
  PRIMARY KEY (vehicle_id, ecu, dtc)
) WITH (fillfactor = 80);
-- A repeated report moves last_at and status, which no index holds: the
-- update stays on its page (HOT) when the page has room. Filled below from
-- what is stored: 1.6M reports took 2.8 s on PostgreSQL.

CREATE FUNCTION dtc_events_latest () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dtc_latest_reports AS l (vehicle_id, ecu, dtc, first_at, last_at, status)
  SELECT DISTINCT ON (vehicle_id, ecu, dtc) vehicle_id, ecu, dtc, min(time) OVER pair, time, status
  FROM new_dtc_events WINDOW pair AS (PARTITION BY vehicle_id, ecu, dtc)
  ORDER BY vehicle_id, ecu, dtc, time DESC
  ON CONFLICT (vehicle_id, ecu, dtc) DO UPDATE
    SET first_at = least(l.first_at, excluded.first_at),
        last_at = greatest(l.last_at, excluded.last_at),
        status = CASE WHEN excluded.last_at >= l.last_at THEN excluded.status ELSE l.status END
    WHERE excluded.first_at < l.first_at OR excluded.last_at >= l.last_at;
  RETURN NULL;
END
$$;

CREATE TRIGGER dtc_events_latest AFTER INSERT ON dtc_events
  REFERENCING NEW TABLE AS new_dtc_events
  FOR EACH STATEMENT EXECUTE FUNCTION dtc_events_latest();

INSERT INTO dtc_latest_reports (vehicle_id, ecu, dtc, first_at, last_at, status)
SELECT DISTINCT ON (vehicle_id, ecu, dtc) vehicle_id, ecu, dtc, min(time) OVER pair, time, status
FROM dtc_events WINDOW pair AS (PARTITION BY vehicle_id, ecu, dtc)
ORDER BY vehicle_id, ecu, dtc, time DESC;
