-- Decoder manifests (issue 14): how each vehicle model's telemetry is
-- decoded, versioned per model, one version active per model, picked up by
-- running gateways without a restart.

-- DBC files by content, kept once however many manifest versions name them.
CREATE TABLE dbc_files (
  sha256    text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  name      text NOT NULL,
  content   bytea NOT NULL,
  added_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decoder_manifests (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model         text NOT NULL CHECK (length(model) BETWEEN 1 AND 64),
  version       integer NOT NULL CHECK (version > 0),
  -- the manifest as checked (decoders/manifest/model.ts ManifestSpec), each bus's dbc replaced by its sha256
  definition    jsonb NOT NULL,
  -- sha256 of the definition: adding the same manifest again adds no version
  content_hash  text NOT NULL,
  -- which DBC signal feeds which catalog name: [{bus, message, signal, catalog, unit, via}]
  mappings      jsonb NOT NULL,
  -- catalog names it feeds or declares: what rules may read while it is active
  provides      text[] NOT NULL,
  -- what its DBCs' lenient parse assumed: [{kind, text}]
  warnings      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  active        boolean NOT NULL DEFAULT false,
  UNIQUE (model, version),
  UNIQUE (model, content_hash)
);
CREATE UNIQUE INDEX decoder_manifests_one_active ON decoder_manifests (model) WHERE active;

-- Every add, activation and deactivation: the change token gateways poll,
-- and the answer to "which version decoded this model that day".
CREATE TABLE decoder_manifest_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  manifest_id  integer NOT NULL REFERENCES decoder_manifests (id),
  type         text NOT NULL CHECK (type IN ('added', 'activated', 'deactivated')),
  at           timestamptz NOT NULL DEFAULT now(),
  by           text NOT NULL
);
CREATE INDEX decoder_manifest_events_manifest ON decoder_manifest_events (manifest_id, id);

-- The catalog grows: a manifest adds signals with their VSS path. Built-in
-- signals keep ids below 1000 (decoders/catalog.ts); added ones come from
-- this sequence, so an id is never handed out twice.
ALTER TABLE signal_catalog
  ADD COLUMN vss text,
  ADD COLUMN description text,
  ADD COLUMN added_by integer REFERENCES decoder_manifests (id),
  ADD COLUMN added_at timestamptz;
CREATE SEQUENCE signal_catalog_added_ids START 1000;

-- The manifest version that decoded each stored batch; NULL when the
-- --can-dbc default (or nothing) did. No foreign key: manifests are never
-- deleted, and the check would cost every insert.
ALTER TABLE batches ADD COLUMN manifest_id integer;

-- Sources of an active manifest carry its id; the start-up rewrite of the
-- built-in and --can-dbc sources leaves them alone.
ALTER TABLE signal_sources ADD COLUMN manifest_id integer REFERENCES decoder_manifests (id);
