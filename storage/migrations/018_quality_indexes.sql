-- The fleet quality report (storage/quality.ts): which DTCs and faults
-- affect how many vehicles of each model and firmware, in a window and the
-- one before it, and since when.
--
-- DTCs are counted from a rollup of dtc_events, not from dtc_events itself.
-- A T-box repeats a standing DTC at its own cadence (the simulator every
-- 10 s while it lasts, others in every batch), so a 30-day window of a
-- 10,000-vehicle fleet holds millions of reports; counting distinct vehicles
-- and vehicle-days among 6.5M of them took 46 s on PostgreSQL, while the
-- rollup holds one row per vehicle, DTC and hour in which it was reported
-- (72k rows for those 60 days, read in about 0.1 s).
-- Only reports whose status says the DTC's test failed count: testFailed,
-- pendingDTC or confirmedDTC (ISO 14229-1 D.2, mask 0x0D, as the case base's
-- FAILED_STATUS_MASK and the rules' `dtc` condition read it).
--
-- first_at and last_at are report times within the hour, so "reported
-- within [from, to)" is exact for any window of an hour or more: a row whose
-- first or last report falls inside the window was reported in it, and one
-- whose reports straddle the window would span more than its hour.
CREATE TABLE dtc_report_hours (
  vehicle_id  integer NOT NULL,
  dtc         integer NOT NULL,
  hour        timestamptz NOT NULL,
  first_at    timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
  PRIMARY KEY (vehicle_id, dtc, hour)
) WITH (fillfactor = 80);
-- A repeated report moves last_at only, which no index holds, so the update
-- stays on its page (HOT) when the page has room: hence the fill factor.
CREATE INDEX dtc_report_hours_hour ON dtc_report_hours (hour);

-- The first failed report of each DTC by each vehicle, ever: "first seen"
-- for a cohort is the earliest of its vehicles', without reading history.
CREATE TABLE dtc_first_reports (
  dtc         integer NOT NULL,
  vehicle_id  integer NOT NULL,
  first_at    timestamptz NOT NULL,
  PRIMARY KEY (dtc, vehicle_id)
);

-- Kept by a statement trigger rather than by the batch writer, so that every
-- writer of dtc_events (ingest's group commit, the bench's COPY, an import)
-- keeps it and none can forget to. Once per statement, over the rows it
-- inserted; rows go in key order so that two gateways' commits lock shared
-- rollup rows in the same order and cannot deadlock. A statement without
-- DTC reports (most group commits) costs one call over an empty set. Were
-- the trigger ever disabled for a bulk load, the two INSERTs at the end of
-- this file rebuild both tables from dtc_events (after emptying them); they
-- fill them now from what is stored (19.5M reports took 30 s on PostgreSQL).
-- Deleting reports (a retention policy, not built yet) leaves the rollup as
-- it is, so first seen stays first seen.
CREATE FUNCTION dtc_events_roll_up () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dtc_report_hours AS h (vehicle_id, dtc, hour, first_at, last_at)
  SELECT vehicle_id, dtc, date_trunc('hour', time, 'UTC'), min(time), max(time)
  FROM new_dtc_events WHERE status & 13 <> 0
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (vehicle_id, dtc, hour) DO UPDATE
    SET first_at = least(h.first_at, excluded.first_at), last_at = greatest(h.last_at, excluded.last_at)
    WHERE excluded.first_at < h.first_at OR excluded.last_at > h.last_at;
  INSERT INTO dtc_first_reports AS f (dtc, vehicle_id, first_at)
  SELECT dtc, vehicle_id, min(time) FROM new_dtc_events WHERE status & 13 <> 0
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (dtc, vehicle_id) DO UPDATE SET first_at = excluded.first_at WHERE excluded.first_at < f.first_at;
  RETURN NULL;
END
$$;

CREATE TRIGGER dtc_events_roll_up AFTER INSERT ON dtc_events
  REFERENCING NEW TABLE AS new_dtc_events
  FOR EACH STATEMENT EXECUTE FUNCTION dtc_events_roll_up();

INSERT INTO dtc_report_hours (vehicle_id, dtc, hour, first_at, last_at)
SELECT vehicle_id, dtc, date_trunc('hour', time, 'UTC'), min(time), max(time)
FROM dtc_events WHERE status & 13 <> 0 GROUP BY 1, 2, 3;
INSERT INTO dtc_first_reports (dtc, vehicle_id, first_at)
SELECT dtc, vehicle_id, min(time) FROM dtc_events WHERE status & 13 <> 0 GROUP BY 1, 2;

-- Faults by when they opened (the report's windows; the KPIs' periods read
-- them the same way), and by rule over all time (first seen).
CREATE INDEX faults_opened ON faults (opened_at);
CREATE INDEX faults_rule_opened ON faults (rule_id, opened_at);
