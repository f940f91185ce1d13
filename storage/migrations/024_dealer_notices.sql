-- The dealer loop closed: what a dealer is told after an alert was raised
-- (its fault cleared, was fixed remotely, came back, was resolved by an
-- engineer, or a newer alert replaced it) and the service reminders of its
-- vehicles, as signed webhooks through the same outbox as the alerts.
--
-- dealer_notices is an outbox in front of that outbox. Triggers fill it in
-- the transaction that makes the change (a fault's timeline entry, a new
-- alert, a reminder opened or closed), so no writer of those can forget it
-- and a change that rolls back leaves nothing; the actions layer
-- (actions/dealer-notices/processor.ts) then decides per notice what
-- the dealer is told and writes the alert's timeline entry and the webhook
-- delivery in one transaction with the notice's own end. One row per alert
-- and fault step (or per reminder and step): handling a step twice, or a
-- worker stopping halfway, tells the dealer once.

CREATE TABLE dealer_notices (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type             text NOT NULL CHECK (type IN ('fault_cleared', 'fixed_remotely', 'fault_reoccurred', 'fault_resolved', 'superseded',
                                                 'reminder_created', 'reminder_closed')),
  -- what it is about: an alert, or a service reminder
  alert_id         bigint REFERENCES dealer_alerts (id),
  reminder_id      bigint REFERENCES service_reminders (id),
  -- the fault's step that made it (the alert's fault updates)
  fault_event_id   bigint REFERENCES fault_events (id),
  -- superseded: the alert that replaces this one
  superseded_by    bigint REFERENCES dealer_alerts (id),
  -- when it happened (the fault step's time, the newer alert's creation)
  time             timestamptz NOT NULL,
  -- an engineer who superseded the alert by hand; NULL: Pitwall
  by               text,
  -- the engineer's note with it
  detail           jsonb,
  -- told: the timeline entry (and the webhook, if the dealer has one) is written; skipped: outcome says why not
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'told', 'skipped')),
  -- claims so far; a claim leases the row until next_attempt_at
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_id         text,
  -- why it was skipped, or why it waits
  outcome          text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  done_at          timestamptz,
  CHECK ((alert_id IS NULL) <> (reminder_id IS NULL)),
  CHECK ((reminder_id IS NOT NULL) = (type IN ('reminder_created', 'reminder_closed'))),
  CHECK ((superseded_by IS NOT NULL) = (type = 'superseded')),
  CHECK (fault_event_id IS NULL OR type IN ('fault_cleared', 'fixed_remotely', 'fault_reoccurred', 'fault_resolved'))
);
-- once per alert and fault step, once per alert superseded, once per reminder and step
CREATE UNIQUE INDEX dealer_notices_fault_step ON dealer_notices (alert_id, fault_event_id) WHERE fault_event_id IS NOT NULL;
CREATE UNIQUE INDEX dealer_notices_superseded ON dealer_notices (alert_id) WHERE type = 'superseded';
CREATE UNIQUE INDEX dealer_notices_reminder ON dealer_notices (reminder_id, type) WHERE reminder_id IS NOT NULL;
CREATE INDEX dealer_notices_due ON dealer_notices (next_attempt_at, id) WHERE state = 'pending';
-- the notices of one alert or reminder in order: each waits for the ones before it
CREATE INDEX dealer_notices_alert ON dealer_notices (alert_id, id) WHERE alert_id IS NOT NULL;
CREATE INDEX dealer_notices_reminder_order ON dealer_notices (reminder_id, id) WHERE reminder_id IS NOT NULL;

-- A reminder's webhook has no alert: a delivery is about one or the other.
-- A notice has at most one delivery.
ALTER TABLE webhook_deliveries ALTER COLUMN alert_id DROP NOT NULL;
ALTER TABLE webhook_deliveries ADD COLUMN reminder_id bigint REFERENCES service_reminders (id);
ALTER TABLE webhook_deliveries ADD COLUMN notice_id bigint UNIQUE REFERENCES dealer_notices (id);
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_subject CHECK (alert_id IS NOT NULL OR reminder_id IS NOT NULL);

-- An update in the alert's timeline: `status` stays the alert's status at
-- the time (an update moves no status; the KPIs read the first entry of
-- each status, which is still the dealer's step), `alert_update` names it.
ALTER TABLE dealer_alert_events ADD COLUMN alert_update text;
-- The latest update the dealer was told, for the inbox list.
ALTER TABLE dealer_alerts ADD COLUMN last_update text;
ALTER TABLE dealer_alerts ADD COLUMN last_update_at timestamptz;

-- A fault step a dealer may need to hear of, for every alert of the fault the
-- dealer has not closed. Opened and acknowledged steps say nothing new to a
-- dealer, a fix not confirmed neither.
CREATE FUNCTION pitwall_fault_event_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dealer_notices (type, alert_id, fault_event_id, time)
  SELECT CASE NEW.type WHEN 'cleared' THEN 'fault_cleared' WHEN 'reoccurred' THEN 'fault_reoccurred'
                       WHEN 'resolved' THEN 'fault_resolved' ELSE 'fixed_remotely' END,
    a.id, NEW.id, NEW.time
  FROM dealer_alerts a WHERE a.fault_id = NEW.fault_id AND a.status <> 'closed'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER fault_events_dealer_notices AFTER INSERT ON fault_events
  FOR EACH ROW WHEN (NEW.type IN ('cleared', 'reoccurred', 'resolved', 'fixed_remotely'))
  EXECUTE FUNCTION pitwall_fault_event_notices();

-- A new alert:
-- * supersedes the older alerts of the same kind the same dealer has not
--   closed for the same vehicle, whose fault is of the same rule (the rule
--   fired again after an engineer resolved its fault, or after the fault
--   cleared too long ago to count as a reoccurrence), or links the same
--   case (the same repair) with a severity no higher than the new one's;
-- * is followed at once by a fault_cleared (or fixed_remotely) notice when
--   its fault had already cleared when it was raised (a rescue check that
--   waited for the vehicle to stand, a dealer registered late).
-- The fault is locked by the raiser (DealerAlertStore.create), so a clearing
-- is seen either here or by the fault step's trigger, never by neither.
CREATE FUNCTION pitwall_dealer_alert_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dealer_notices (type, alert_id, superseded_by, time)
  SELECT 'superseded', o.id, NEW.id, NEW.created_at
  FROM faults nf, dealer_alerts o JOIN faults ofa ON ofa.id = o.fault_id
  WHERE nf.id = NEW.fault_id AND o.vehicle_id = NEW.vehicle_id AND o.dealer_id = NEW.dealer_id AND o.kind = NEW.kind
    AND o.id < NEW.id AND o.fault_id <> NEW.fault_id AND o.status <> 'closed'
    AND (ofa.rule_id = nf.rule_id
      OR (ofa.case_id = nf.case_id AND array_position(ARRAY['info', 'minor', 'major', 'critical'], nf.severity)
                                    >= array_position(ARRAY['info', 'minor', 'major', 'critical'], ofa.severity)))
  ON CONFLICT DO NOTHING;

  INSERT INTO dealer_notices (type, alert_id, fault_event_id, time)
  SELECT CASE e.type WHEN 'cleared' THEN 'fault_cleared' ELSE 'fixed_remotely' END, NEW.id, e.id, e.time
  FROM faults f CROSS JOIN LATERAL (
    SELECT id, type, time FROM fault_events WHERE fault_id = f.id AND type IN ('cleared', 'fixed_remotely') ORDER BY id DESC LIMIT 1) e
  WHERE f.id = NEW.fault_id AND f.state = 'auto_cleared'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER dealer_alerts_notices AFTER INSERT ON dealer_alerts
  FOR EACH ROW EXECUTE FUNCTION pitwall_dealer_alert_notices();

-- A reminder opened for a vehicle whose own dealer takes webhooks, and its
-- closing (a service did it, or someone dismissed it) once the dealer was
-- meant to hear of it.
CREATE FUNCTION pitwall_reminder_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO dealer_notices (type, reminder_id, time)
    SELECT 'reminder_created', NEW.id, NEW.created_at
    FROM vehicles v JOIN dealers d ON d.id = v.dealer_id
    WHERE v.id = NEW.vehicle_id AND d.webhook_url IS NOT NULL AND d.active
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO dealer_notices (type, reminder_id, time)
    SELECT 'reminder_closed', NEW.id, coalesce(NEW.closed_at, now())
    WHERE EXISTS (SELECT 1 FROM dealer_notices WHERE reminder_id = NEW.id AND type = 'reminder_created')
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER service_reminders_created_notices AFTER INSERT ON service_reminders
  FOR EACH ROW EXECUTE FUNCTION pitwall_reminder_notices();
CREATE TRIGGER service_reminders_closed_notices AFTER UPDATE OF state ON service_reminders
  FOR EACH ROW WHEN (OLD.state = 'open' AND NEW.state <> 'open') EXECUTE FUNCTION pitwall_reminder_notices();
