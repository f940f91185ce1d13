-- Pitwall schema, version 1: vehicles and their credentials, the raw batch
-- archive, decoded samples, GNSS, DTCs and dead letters.
-- Plain PostgreSQL (15+, and PGlite); TimescaleDB-specific DDL is applied
-- separately, only when the extension is present.

CREATE TABLE vehicles (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vin         text NOT NULL UNIQUE CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
  model       text,
  firmware    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);

-- One active secret per vehicle; rotation inserts a new row and revokes the
-- old one, so the history of who could connect when is kept.
CREATE TABLE device_credentials (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id  integer NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
  secret_hash text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE UNIQUE INDEX device_credentials_active ON device_credentials (vehicle_id) WHERE revoked_at IS NULL;

CREATE TABLE signal_catalog (
  id    integer PRIMARY KEY,
  name  text NOT NULL UNIQUE,
  unit  text NOT NULL
);

-- The raw archive: every accepted TelemetryBatch byte for byte, so any
-- later decoder or rule can be replayed over full-fidelity history.
-- (vehicle_id, seq) is the idempotency key of QoS 1 redelivery.
CREATE TABLE batches (
  vehicle_id   integer NOT NULL REFERENCES vehicles (id),
  seq          bigint NOT NULL,
  base_time    timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  can_frames   integer NOT NULL,
  payload      bytea NOT NULL,
  PRIMARY KEY (vehicle_id, seq)
);
CREATE INDEX batches_vehicle_time ON batches (vehicle_id, base_time);

CREATE TABLE signal_samples (
  time        timestamptz NOT NULL,
  vehicle_id  integer NOT NULL,
  signal_id   integer NOT NULL,
  value       double precision NOT NULL
);
CREATE INDEX signal_samples_vehicle_signal_time ON signal_samples (vehicle_id, signal_id, time);

CREATE TABLE gnss_fixes (
  time         timestamptz NOT NULL,
  vehicle_id   integer NOT NULL,
  lat          double precision NOT NULL,
  lon          double precision NOT NULL,
  speed_mps    real,
  heading_deg  real,
  alt_m        real,
  hdop         real,
  satellites   smallint
);
CREATE INDEX gnss_fixes_vehicle_time ON gnss_fixes (vehicle_id, time);

CREATE TABLE dtc_events (
  time        timestamptz NOT NULL,
  vehicle_id  integer NOT NULL,
  ecu         integer NOT NULL,
  dtc         integer NOT NULL,
  status      smallint NOT NULL
);
CREATE INDEX dtc_events_vehicle_time ON dtc_events (vehicle_id, time);

-- Payloads the gateway could not accept, with the reason, so that nothing a
-- vehicle sent disappears silently. payload is NULL when it was too large to
-- keep (the size is still recorded).
CREATE TABLE dead_letters (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now(),
  vin          text,
  topic        text NOT NULL,
  reason_code  text NOT NULL,
  reason       text NOT NULL,
  payload_size integer NOT NULL,
  payload      bytea
);
CREATE INDEX dead_letters_vin_time ON dead_letters (vin, received_at);
