-- Fleet events for the console's live views (gateway/events/): each change
-- below sends a NOTIFY on pitwall_events from the transaction that makes it,
-- so every writer (each gateway node, the CLI) is heard on every node, and a
-- change that rolls back sends nothing. Payloads carry ids, the VIN, the
-- state and the time only (NOTIFY takes less than 8000 bytes; text columns
-- are cut to stay far below); a client fetches the rest from the API.

CREATE FUNCTION pitwall_notify_fault_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- an AFTER ROW trigger runs at the end of its statement: a fault inserted
  -- by the same statement (FaultStore.record) is visible here
  PERFORM pg_notify('pitwall_events', json_build_object(
    'kind', 'fault', 'id', f.id, 'event', NEW.type, 'state', f.state, 'severity', f.severity,
    'rule', left(f.rule_id, 200), 'vin', v.vin, 'time', NEW.time)::text)
  FROM faults f JOIN vehicles v ON v.id = f.vehicle_id WHERE f.id = NEW.fault_id;
  RETURN NULL;
END $$;
CREATE TRIGGER fault_events_notify AFTER INSERT ON fault_events
  FOR EACH ROW EXECUTE FUNCTION pitwall_notify_fault_event();

CREATE FUNCTION pitwall_notify_command_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pitwall_events', json_build_object(
    'kind', 'command', 'id', left(c.id, 200), 'state', NEW.state, 'progress', NEW.progress, 'vin', v.vin, 'time', NEW.time)::text)
  FROM commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE c.id = NEW.command_id;
  RETURN NULL;
END $$;
CREATE TRIGGER command_events_notify AFTER INSERT ON command_events
  FOR EACH ROW EXECUTE FUNCTION pitwall_notify_command_event();

CREATE FUNCTION pitwall_notify_dealer_alert_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pitwall_events', json_build_object(
    'kind', 'alert', 'id', a.id, 'dealerId', left(a.dealer_id, 200), 'alertKind', a.kind, 'status', NEW.status, 'vin', v.vin, 'time', NEW.time)::text)
  FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id WHERE a.id = NEW.alert_id;
  RETURN NULL;
END $$;
CREATE TRIGGER dealer_alert_events_notify AFTER INSERT ON dealer_alert_events
  FOR EACH ROW EXECUTE FUNCTION pitwall_notify_dealer_alert_event();

-- online/offline (migration 013's columns): only a change of `connected`, so
-- a session taken over on another node (still connected) says nothing
CREATE FUNCTION pitwall_notify_vehicle_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pitwall_events', json_build_object(
    'kind', 'vehicle', 'vin', NEW.vin, 'dealerId', left(NEW.dealer_id, 200), 'connected', NEW.connected,
    'node', left(coalesce(NEW.connected_node, OLD.connected_node), 200), 'time', NEW.connection_changed_at)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER vehicles_connection_notify AFTER UPDATE OF connected ON vehicles
  FOR EACH ROW WHEN (OLD.connected IS DISTINCT FROM NEW.connected) EXECUTE FUNCTION pitwall_notify_vehicle_connection();

-- The gateway nodes that record connection state, each beating every 15 s
-- (gateway/events/connection-state.ts): the vehicles of a node that stopped
-- beating (crashed, or cut off from the database) are marked offline by
-- whichever node beats next; a node that was only cut off marks the vehicles
-- it still holds online again at its next beat.
CREATE TABLE gateway_nodes (
  name       text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at    timestamptz NOT NULL DEFAULT now()
);
