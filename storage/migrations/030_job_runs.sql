-- Periodic jobs that run once per interval across every gateway node on the
-- database, not once per node (storage/job-runs.ts): when one last started,
-- and on which node.
CREATE TABLE job_runs (
  job        text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  node       text NOT NULL
);
