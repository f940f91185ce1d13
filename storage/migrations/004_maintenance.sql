-- Predictive maintenance: services a dealer recorded, and the reminders the
-- maintenance check raises from them, from odometer / engine hours, and from
-- slow trends in stored samples.

-- `covers` lists the maintenance items (ids of `maintenance:` entries in the
-- rule files) the service took care of: an oil change must not restart the
-- brake-fluid interval. Readings are NULL when neither the dealer nor any
-- stored sample before the service gave them.
CREATE TABLE service_records (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id   integer NOT NULL REFERENCES vehicles (id),
  time         timestamptz NOT NULL,
  odometer_km  double precision,
  engine_hours double precision,
  covers       text[] NOT NULL CHECK (cardinality(covers) > 0),
  description  text NOT NULL,
  by           text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_records_vehicle_time ON service_records (vehicle_id, time);

-- due / due_soon: a service interval reached (or nearly) its limits, which
-- are due_at, due_km and due_hours counted from the last service (NULL when
-- the item has no such limit or the reading is not known); trend: a slow
-- trend passed its test (detail says which, with the numbers).
CREATE TABLE service_reminders (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id  integer NOT NULL REFERENCES vehicles (id),
  rule_id     text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('due', 'due_soon', 'trend')),
  due_at      timestamptz,
  due_km      double precision,
  due_hours   double precision,
  detail      jsonb NOT NULL,
  state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dismissed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  closed_at   timestamptz,
  closed_by   text
);
-- One reminder the dealer still has to act on per vehicle and item: a check
-- that finds it again updates that one instead of adding a second.
CREATE UNIQUE INDEX service_reminders_one_open ON service_reminders (vehicle_id, rule_id) WHERE state = 'open';
-- Closed reminders of a vehicle and item, which keep a dismissed one from
-- being raised again by the next check.
CREATE INDEX service_reminders_vehicle_rule ON service_reminders (vehicle_id, rule_id, id);
CREATE INDEX service_reminders_state ON service_reminders (state, id);
