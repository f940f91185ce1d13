-- Actions: the hand-off from faults to actions, commands to vehicles with
-- their timeline, and OTA campaigns.

-- The transactional outbox between the fault writer and the actions layer:
-- the statement that opens a fault writes its pending actions here, so a
-- fault can never be stored without them, nor an action exist for a fault
-- that was not stored. The action processor takes them in id order and marks
-- each done; whatever it was doing when the gateway stopped is taken again.
CREATE TABLE fault_actions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fault_id         bigint NOT NULL REFERENCES faults (id),
  kind             text NOT NULL CHECK (kind IN ('remote_fix', 'dealer_prestage', 'rescue')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  done_at          timestamptz,
  UNIQUE (fault_id, kind)
);
CREATE INDEX fault_actions_pending ON fault_actions (next_attempt_at, id) WHERE done_at IS NULL;

-- OTA packages an update may name: a rule's remote fix or a campaign gives
-- package and version, the command carries where to fetch it and its digest.
CREATE TABLE ota_packages (
  package     text NOT NULL CHECK (package ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
  version     text NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$'),
  url         text NOT NULL CHECK (url ~ '^https?://'),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size        bigint NOT NULL CHECK (size > 0),
  added_by    text NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (package, version)
);

CREATE TABLE campaigns (
  id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name               text NOT NULL,
  -- the command every vehicle of the cohort gets: { ota: {...} } or { action: {...} }
  body               jsonb NOT NULL,
  -- { models: [], firmware: [], openFaultRule: null, vins: [] } as given
  cohort             jsonb NOT NULL,
  -- cumulative share of the cohort reached by the end of each wave, ascending, the last 1
  waves              double precision[] NOT NULL CHECK (cardinality(waves) > 0),
  -- a wave's success rate must reach this before the next wave starts
  min_success_rate   double precision NOT NULL CHECK (min_success_rate BETWEEN 0 AND 1),
  -- the campaign pauses by itself when the failed share of finished commands passes this
  failure_threshold  double precision NOT NULL CHECK (failure_threshold BETWEEN 0 AND 1),
  command_ttl_ms     bigint NOT NULL CHECK (command_ttl_ms > 0),
  state              text NOT NULL CHECK (state IN ('draft', 'running', 'paused', 'completed', 'aborted')),
  current_wave       integer NOT NULL DEFAULT 0,
  state_reason       text,
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The cohort as resolved when the campaign started, each vehicle with its wave.
CREATE TABLE campaign_vehicles (
  campaign_id  text NOT NULL REFERENCES campaigns (id),
  vehicle_id   integer NOT NULL REFERENCES vehicles (id),
  wave         integer NOT NULL,
  PRIMARY KEY (campaign_id, vehicle_id)
);

CREATE TABLE campaign_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES campaigns (id),
  time         timestamptz NOT NULL DEFAULT now(),
  state        text NOT NULL,
  wave         integer NOT NULL,
  by           text,
  detail       jsonb
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id);

-- A command to one vehicle. The signed bytes are not stored: every delivery
-- attempt signs the command anew with a fresh nonce (the T-box refuses a
-- nonce it has seen), under the same id (the T-box never runs an id twice).
CREATE TABLE commands (
  id            text PRIMARY KEY,
  vehicle_id    integer NOT NULL REFERENCES vehicles (id),
  body          jsonb NOT NULL,
  state         text NOT NULL CHECK (state IN ('pending_approval', 'queued', 'sent', 'accepted', 'in_progress',
                  'succeeded', 'failed', 'expired', 'rejected', 'cancelled')),
  progress      integer CHECK (progress BETWEEN 0 AND 100),
  detail        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  -- the vehicle's time of its final answer (succeeded, failed, rejected): fix
  -- checks compare it with the vehicle's own sample times, whatever the clocks
  finished_at   timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  sent_at       timestamptz,
  next_send_at  timestamptz,
  fault_id      bigint REFERENCES faults (id),
  campaign_id   text REFERENCES campaigns (id),
  requested_by  text NOT NULL,
  approved_by   text,
  -- a remote fix counts only when fresh data cleared its fault afterwards:
  -- pending until then, confirmed, or not_confirmed when the window passed
  fix_check     text CHECK (fix_check IN ('pending', 'confirmed', 'not_confirmed')),
  fix_checked_at timestamptz
);
-- the vehicle's queue: what is still to be delivered or answered, oldest first
CREATE INDEX commands_vehicle_active ON commands (vehicle_id, created_at, id)
  WHERE state IN ('queued', 'sent', 'accepted', 'in_progress');
CREATE INDEX commands_campaign ON commands (campaign_id, state) WHERE campaign_id IS NOT NULL;
CREATE INDEX commands_fault ON commands (fault_id) WHERE fault_id IS NOT NULL;
CREATE INDEX commands_fix_check ON commands (id) WHERE fix_check = 'pending';
-- one remote fix per fault, however often its action is processed
CREATE UNIQUE INDEX commands_one_fix_per_fault ON commands (fault_id) WHERE fault_id IS NOT NULL AND campaign_id IS NULL;
-- one command per vehicle and campaign
CREATE UNIQUE INDEX commands_one_per_campaign_vehicle ON commands (campaign_id, vehicle_id) WHERE campaign_id IS NOT NULL;

CREATE TABLE command_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  command_id  text NOT NULL REFERENCES commands (id),
  time        timestamptz NOT NULL DEFAULT now(),
  state       text NOT NULL,
  progress    integer,
  detail      text,
  by          text
);
CREATE INDEX command_events_command ON command_events (command_id, id);

-- A fault cleared by fresh data after a confirmed remote fix says so in its timeline.
ALTER TABLE fault_events DROP CONSTRAINT fault_events_type_check;
ALTER TABLE fault_events ADD CONSTRAINT fault_events_type_check
  CHECK (type IN ('opened', 'reoccurred', 'cleared', 'acknowledged', 'resolved', 'fixed_remotely', 'remote_fix_not_confirmed'));
