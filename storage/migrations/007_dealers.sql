-- Dealer pre-staging: the dealer registry, each vehicle's own dealer, the
-- alerts faults raise for dealers with their inbox timeline, and the outbox
-- of signed webhooks that delivers them.

CREATE TABLE dealers (
  id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  -- the brands the workshop services; empty: every brand
  brands          text[] NOT NULL DEFAULT '{}',
  -- NULL: the dealer works from the inbox only, no webhook is queued
  webhook_url     text CHECK (webhook_url ~ '^https?://'),
  -- kept in the clear: signing needs it (HMAC), unlike a password
  webhook_secret  text,
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (webhook_url IS NULL OR webhook_secret IS NOT NULL)
);

-- The workshop that looks after the vehicle, and the brand dealers are
-- matched on when the vehicle has none (NULL: any dealer).
ALTER TABLE vehicles ADD COLUMN dealer_id text REFERENCES dealers (id);
ALTER TABLE vehicles ADD COLUMN brand text;

-- One alert per fault, dealer and kind however often the fault's action is
-- handled. `payload` is the alert content (schema pitwall.dealer-alert/1) as
-- raised; `routing` says why this dealer (own, nearest, rescue radius).
CREATE TABLE dealer_alerts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fault_id        bigint NOT NULL REFERENCES faults (id),
  dealer_id       text NOT NULL REFERENCES dealers (id),
  kind            text NOT NULL CHECK (kind IN ('prestage', 'rescue')),
  vehicle_id      integer NOT NULL REFERENCES vehicles (id),
  routing         jsonb NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'acknowledged', 'parts_staged', 'appointment_booked', 'repaired', 'closed')),
  -- set when the dealer reports the repair: fixed at the first visit or not
  first_time_fix  boolean,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (fault_id, dealer_id, kind),
  CHECK (first_time_fix IS NULL OR status IN ('repaired', 'closed'))
);
-- a dealer's inbox, newest first
CREATE INDEX dealer_alerts_inbox ON dealer_alerts (dealer_id, id);
CREATE INDEX dealer_alerts_vehicle ON dealer_alerts (vehicle_id, id);

-- The inbox timeline: every status an alert reached, when and by whom (the
-- KPIs fault -> alert -> parts staged -> repaired are read from here).
CREATE TABLE dealer_alert_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id  bigint NOT NULL REFERENCES dealer_alerts (id),
  time      timestamptz NOT NULL DEFAULT now(),
  status    text NOT NULL,
  by        text NOT NULL,
  detail    jsonb
);
CREATE INDEX dealer_alert_events_alert ON dealer_alert_events (alert_id, id);

-- The webhook outbox, written in the transaction that creates the alert.
-- `body` is text, not jsonb: it is the exact byte string every attempt signs
-- and sends. The idempotency key is fixed at creation, so every retry and
-- every resend after a crash carries the same one. A worker claims a due row
-- with a lease (lease_until, lease_id); when the lease runs out (the worker
-- stopped mid-request) the row is due again.
CREATE TABLE webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id         bigint NOT NULL REFERENCES dealer_alerts (id),
  dealer_id        text NOT NULL REFERENCES dealers (id),
  idempotency_key  text NOT NULL UNIQUE,
  event            text NOT NULL,
  body             text NOT NULL,
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  -- requests made (a delivery postponed by an open circuit breaker costs none)
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz,
  lease_id         text,
  last_error       text,
  -- HTTP status of the last answer, NULL when there was none (refused, timed out)
  last_status      integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  dead_at          timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (dealer_id, id) WHERE state = 'dead';
CREATE INDEX webhook_deliveries_alert ON webhook_deliveries (alert_id, id);
