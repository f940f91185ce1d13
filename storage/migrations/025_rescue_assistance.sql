-- Rescue requests with states of their own, and dealers' requests for the
-- manufacturer's technical assistance on an alert.
--
-- A rescue request is a stranded vehicle's one rescue, whoever raised it: a
-- critical fault on a standing vehicle (fault_id set) or a call centre over
-- the API (fault_id NULL, with the position, description and phone it was
-- given). Each dealer in the rescue radius gets its copy as a dealer alert of
-- kind 'rescue' (inbox entry, timeline, webhooks); the request's own state
-- moves requested -> accepted (by one dealer) -> dispatched -> on_site ->
-- towed -> closed, or cancelled. Each step's time is a column (response
-- times for the KPIs: accepted_at and on_site_at against requested_at), who
-- made it is in rescue_request_events. Rescue alerts raised before this
-- migration have no request: they are worked through the alert statuses.

CREATE TABLE rescue_requests (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id          integer NOT NULL REFERENCES vehicles (id),
  fault_id            bigint REFERENCES faults (id),
  source              text NOT NULL CHECK (source IN ('fault', 'call_centre')),
  lat                 double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon                 double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  contact_phone       text CHECK (length(contact_phone) <= 32),
  state               text NOT NULL DEFAULT 'requested'
                        CHECK (state IN ('requested', 'accepted', 'dispatched', 'on_site', 'towed', 'closed', 'cancelled')),
  requested_by        text NOT NULL,
  requested_at        timestamptz NOT NULL DEFAULT now(),
  accepted_dealer_id  text REFERENCES dealers (id),
  accepted_at         timestamptz,
  dispatched_at       timestamptz,
  eta                 timestamptz,
  on_site_at          timestamptz,
  towed_at            timestamptz,
  towed_to_dealer_id  text REFERENCES dealers (id),
  closed_at           timestamptz,
  outcome             text CHECK (outcome IN ('repaired_on_site', 'towed_to_workshop', 'no_fault_found', 'vehicle_not_found', 'other')),
  cancelled_at        timestamptz,
  cancel_reason       text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((source = 'fault') = (fault_id IS NOT NULL)),
  -- past requested, one dealer has it (a cancel before anyone accepted has none)
  CHECK (state IN ('requested', 'cancelled') OR accepted_dealer_id IS NOT NULL),
  CHECK ((state = 'closed') = (outcome IS NOT NULL)),
  CHECK ((state = 'cancelled') = (cancel_reason IS NOT NULL))
);
-- a fault's rescue is raised once, however often the fault-action outbox hands it over
CREATE UNIQUE INDEX rescue_requests_fault ON rescue_requests (fault_id) WHERE fault_id IS NOT NULL;
-- a second call about a vehicle already being rescued is refused, not a second tow truck (also between racing calls)
CREATE UNIQUE INDEX rescue_requests_open_call ON rescue_requests (vehicle_id)
  WHERE source = 'call_centre' AND state NOT IN ('closed', 'cancelled');
CREATE INDEX rescue_requests_vehicle ON rescue_requests (vehicle_id, id);

CREATE TABLE rescue_request_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rescue_id  bigint NOT NULL REFERENCES rescue_requests (id),
  time       timestamptz NOT NULL DEFAULT now(),
  state      text NOT NULL,
  -- the dealer that made the step; NULL: the call centre or Pitwall
  dealer_id  text REFERENCES dealers (id),
  by         text NOT NULL,
  detail     jsonb
);
CREATE INDEX rescue_request_events_rescue ON rescue_request_events (rescue_id, id);

-- A dealer's copy of a rescue; a call centre's rescue has no fault.
ALTER TABLE dealer_alerts ALTER COLUMN fault_id DROP NOT NULL;
ALTER TABLE dealer_alerts ADD COLUMN rescue_id bigint REFERENCES rescue_requests (id);
ALTER TABLE dealer_alerts ADD CONSTRAINT dealer_alerts_owner CHECK (fault_id IS NOT NULL OR rescue_id IS NOT NULL);
CREATE UNIQUE INDEX dealer_alerts_rescue ON dealer_alerts (rescue_id, dealer_id) WHERE rescue_id IS NOT NULL;

-- A dealer's question to the manufacturer's engineers about one of its
-- alerts, and their answer, kept with the alert; an answer may point to
-- the case that holds the fix (a deleted case leaves the answer).
CREATE TABLE assistance_requests (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id        bigint NOT NULL REFERENCES dealer_alerts (id),
  dealer_id       text NOT NULL REFERENCES dealers (id),
  question        text NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
  asked_by        text NOT NULL,
  asked_at        timestamptz NOT NULL DEFAULT now(),
  state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered')),
  answer          text CHECK (length(answer) BETWEEN 1 AND 8000),
  answered_by     text,
  answered_at     timestamptz,
  case_id         text REFERENCES cases (id) ON DELETE SET NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'answered') = (answer IS NOT NULL))
);
CREATE INDEX assistance_requests_alert ON assistance_requests (alert_id, id);
CREATE INDEX assistance_requests_dealer ON assistance_requests (dealer_id, id);
CREATE INDEX assistance_requests_open ON assistance_requests (id) WHERE state = 'open';
