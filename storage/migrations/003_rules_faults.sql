-- Rules (versioned) and faults (state machine with a timeline).

-- The current definition of each rule, as last applied. `definition` is the
-- RuleDefinition exactly as applied (it matches its rule_versions row);
-- `enabled` is authoritative, because `pitwall rules disable` changes it
-- without a new version.
CREATE TABLE rules (
  id          text PRIMARY KEY,
  version     text NOT NULL,
  definition  jsonb NOT NULL,
  enabled     boolean NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every version ever applied, never deleted, so a fault can always show the
-- definition that raised it (faults reference it).
CREATE TABLE rule_versions (
  id          text NOT NULL,
  version     text NOT NULL,
  definition  jsonb NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);

CREATE TABLE faults (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id       integer NOT NULL REFERENCES vehicles (id),
  rule_id          text NOT NULL,
  rule_version     text NOT NULL,
  severity         text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
  state            text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved', 'auto_cleared')),
  -- times of the vehicle's samples that made the transitions (not of arrival)
  opened_at        timestamptz NOT NULL,
  last_occurred_at timestamptz NOT NULL,
  occurrences      integer NOT NULL DEFAULT 1,
  cleared_at       timestamptz,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text,
  resolution_note  text,
  -- freeze frame of the opening; each reoccurrence's is in its fault_events row
  evidence         jsonb NOT NULL,
  action           jsonb,
  case_id          text,
  FOREIGN KEY (rule_id, rule_version) REFERENCES rule_versions (id, version)
);
-- One fault an engineer still has to deal with per vehicle and rule: a
-- rule that fires again adds an occurrence instead of a second fault.
CREATE UNIQUE INDEX faults_one_active ON faults (vehicle_id, rule_id) WHERE state IN ('open', 'acknowledged');
-- The latest fault of a vehicle and rule (reoccurrence after auto-clear).
CREATE INDEX faults_vehicle_rule ON faults (vehicle_id, rule_id, id);
CREATE INDEX faults_state ON faults (state, id);

CREATE TABLE fault_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fault_id  bigint NOT NULL REFERENCES faults (id),
  time      timestamptz NOT NULL,
  type      text NOT NULL CHECK (type IN ('opened', 'reoccurred', 'cleared', 'acknowledged', 'resolved')),
  by        text,
  detail    jsonb
);
CREATE INDEX fault_events_fault ON fault_events (fault_id, id);
