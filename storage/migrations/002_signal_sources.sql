-- Where each catalog signal comes from: OBD-II PID fields, DBC signals (per
-- the gateway's configured databases), ULog fields. Rewritten at start-up
-- from the code and configuration, so it always says what this gateway does.
CREATE TABLE signal_sources (
  kind       text NOT NULL CHECK (kind IN ('obd', 'dbc', 'ulog')),
  source     text NOT NULL,
  signal_id  integer NOT NULL REFERENCES signal_catalog (id),
  unit       text NOT NULL,
  PRIMARY KEY (kind, source)
);
CREATE INDEX signal_sources_signal ON signal_sources (signal_id);
