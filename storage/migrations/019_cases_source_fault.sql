-- A fault's page lists the cases made from it (cases.source_fault_id), and
-- deleting a fault sets that column to NULL: both read the column, which
-- no index covered, so each read scanned every case.
CREATE INDEX cases_source_fault ON cases (source_fault_id) WHERE source_fault_id IS NOT NULL;
