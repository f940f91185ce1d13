-- Bearer tokens of the HTTP API, one per person or system, each with a role.
-- Only the SHA-256 of a token is stored (storage/api-tokens.ts says why that
-- suffices); the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL CHECK (btrim(name) <> ''),
  role          text NOT NULL CHECK (role IN ('engineer', 'operator', 'dealer')),
  -- the dealer whose data a dealer token sees. A plain id, deliberately
  -- without a foreign key: tokens must not depend on how dealers are stored.
  dealer_id     text CHECK (btrim(dealer_id) <> ''),
  token_hash    bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  -- a dealer token is scoped to exactly one dealer; other roles to none
  CHECK ((role = 'dealer') = (dealer_id IS NOT NULL))
);
