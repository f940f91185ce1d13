-- A rule's `service_reminder` action (rules/model.ts) creates a service
-- reminder for the vehicle when its fault opens, instead of being accepted
-- and dropped: the fault outbox gets the kind, and reminders a kind for
-- what a fault asked for (beside intervals and trends). The dealer sees it
-- in the inbox like the others; a service covering the rule closes it.
ALTER TABLE fault_actions DROP CONSTRAINT fault_actions_kind_check;
ALTER TABLE fault_actions ADD CONSTRAINT fault_actions_kind_check CHECK (kind IN ('remote_fix', 'dealer_prestage', 'rescue', 'service_reminder'));
ALTER TABLE service_reminders DROP CONSTRAINT service_reminders_kind_check;
ALTER TABLE service_reminders ADD CONSTRAINT service_reminders_kind_check CHECK (kind IN ('due', 'due_soon', 'trend', 'fault'));
