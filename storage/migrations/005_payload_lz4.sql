-- The raw batch archive is written at fleet rate, and pglz compressing each
-- payload took ~10 % of the server's CPU under load (perf, 2,000 batches/s).
-- lz4 compresses several times faster for a slightly larger result (demo
-- batches: 3,349 B -> 1,539 B pglz, 1,754 B lz4). Servers built without lz4
-- (PGlite) keep the default.
DO $$
BEGIN
  ALTER TABLE batches ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
