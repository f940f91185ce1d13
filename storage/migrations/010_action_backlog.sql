-- Commands waiting for an engineer's approval, oldest first: the approval
-- list and the operator's backlog gauge read them without scanning history.
CREATE INDEX commands_pending_approval ON commands (created_at, id) WHERE state = 'pending_approval';
