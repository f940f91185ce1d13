-- Vehicle logs (issue 18): a ULog or candump file a T-box uploaded for a
-- log-upload command, or an engineer uploaded for a vehicle. The bytes live
-- in the gateway's data directory (gateway/log-files.ts), named by id; this
-- row is what is known of them, the upload's progress and the replay's report.
--
-- receiving  the upload is open: `received` bytes are on disk (resumable)
-- complete   every byte arrived, sha256 taken; the token is spent
-- decoded    replayed through the rules; `report` holds what they raised
-- failed     refused (over the cap, token expired, command ended) or not decodable: `detail` says why
--
-- Only SHA-256 hashes of upload tokens are kept (token_hashes, one per
-- delivery attempt of the command); once the upload ends the state says the
-- token is spent, so a late retry is told so rather than "wrong token".
CREATE TABLE vehicle_logs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id       integer NOT NULL REFERENCES vehicles (id),
  command_id       text REFERENCES commands (id),
  kind             text NOT NULL CHECK (kind IN ('ulog', 'candump')),
  state            text NOT NULL CHECK (state IN ('receiving', 'complete', 'decoded', 'failed')),
  -- the window asked for (Unix ms); NULL for an engineer's upload
  from_ms          bigint,
  to_ms            bigint,
  received         bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
  -- the total size, once a chunk declared it (Content-Range) or the upload completed
  size             bigint CHECK (size >= 0),
  sha256           text,
  token_hashes     bytea[] NOT NULL DEFAULT '{}',
  -- an upload not complete by then is failed and its bytes deleted
  upload_expires_at timestamptz NOT NULL,
  -- 'vehicle' for a T-box's upload, else the engineer's token name
  uploaded_by      text NOT NULL,
  requested_by     text NOT NULL,
  detail           text,
  report           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  decoded_at       timestamptz
);
CREATE UNIQUE INDEX vehicle_logs_command ON vehicle_logs (command_id) WHERE command_id IS NOT NULL;
CREATE INDEX vehicle_logs_vehicle ON vehicle_logs (vehicle_id, id DESC);
-- the unfinished uploads a vehicle holds (capped), and the expiry pass over them
CREATE INDEX vehicle_logs_receiving ON vehicle_logs (vehicle_id) WHERE state = 'receiving';
-- the retention pass
CREATE INDEX vehicle_logs_created ON vehicle_logs (created_at);
