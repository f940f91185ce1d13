-- Client certificates a vehicle's T-box may authenticate with (mutual TLS),
-- pinned by the SHA-256 of their DER bytes: a certificate the configured CA
-- issued for the VIN is accepted only once registered here, and revoking its
-- row refuses it at the next CONNECT (a CRL is the CA's way; this is the
-- operator's). Several may be active at once, for a renewal's overlap.
CREATE TABLE device_certificates (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id   integer NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
  sha256       bytea NOT NULL UNIQUE CHECK (octet_length(sha256) = 32),
  subject      text NOT NULL,
  not_after    timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX device_certificates_vehicle ON device_certificates (vehicle_id);
