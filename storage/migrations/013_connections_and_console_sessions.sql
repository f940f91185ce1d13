-- Where each vehicle is connected, kept in the database so that every
-- gateway node (and the console on any node) sees the same answer: set when
-- the broker admits the vehicle's connection, cleared when its last
-- connection ends. connected_node names the gateway process holding it.
ALTER TABLE vehicles ADD COLUMN connected boolean NOT NULL DEFAULT false;
ALTER TABLE vehicles ADD COLUMN connection_changed_at timestamptz;
ALTER TABLE vehicles ADD COLUMN connected_node text;
CREATE INDEX vehicles_connected ON vehicles (vin) WHERE connected;

-- Console sign-in: an API token exchanged for a session whose secret lives
-- only in an HttpOnly, SameSite=Strict cookie. Only the SHA-256 of the
-- secret is stored; a session ends at expires_at, at sign-out, or when its
-- token is revoked (checked at every request through the join).
CREATE TABLE console_sessions (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  secret_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(secret_sha256) = 32),
  token_id      integer NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz
);
CREATE INDEX console_sessions_token ON console_sessions (token_id);
