-- The case base: known faults and their fixes, searched by engineers and
-- dealers, and named by rules (`case:` in a rule file, faults.case_id).

-- The text a case is found by, weighted: title and DTCs (A) outrank the
-- symptoms (B), which outrank the repair steps and parts (C).
--
-- A stored generated column needs an immutable expression. to_tsvector with
-- an explicit configuration is immutable, but array_to_string is only stable
-- (it formats any element type, and e.g. timestamps depend on settings); for
-- text[] the result depends on nothing but the arguments, so this function is
-- truly immutable and may say so. A generated column cannot drift from the
-- row the way a trigger-maintained one can (a trigger disabled for a bulk
-- load, an UPDATE that forgets it). BEGIN ATOMIC binds the body when the
-- function is created, so the search_path at insert time does not matter.
-- Runs on PostgreSQL 15 and PGlite (PostgreSQL 18).
CREATE FUNCTION case_search_document (title text, dtcs text[], symptoms text, steps text[], parts text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, array_to_string(dtcs, ' ')), 'A')
    || setweight(to_tsvector('english'::regconfig, symptoms), 'B')
    || setweight(to_tsvector('english'::regconfig, array_to_string(steps, ' ') || ' ' || array_to_string(parts, ' ')), 'C');
END;

CREATE TABLE cases (
  -- a slug, as rules name it: case-cooling-fan
  id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 100),
  title            text NOT NULL CHECK (btrim(title) <> ''),
  symptoms         text NOT NULL DEFAULT '',
  -- SAE J2012 codes without failure type, upper case: {P0301,P0300}
  dtcs             text[] NOT NULL DEFAULT '{}',
  -- the repair, in order
  steps            text[] NOT NULL DEFAULT '{}',
  parts            text[] NOT NULL DEFAULT '{}',
  repair_hours     numeric(6, 2) CHECK (repair_hours >= 0),
  -- the resolved fault an engineer turned into this case; the case outlives it
  source_fault_id  bigint REFERENCES faults (id) ON DELETE SET NULL,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  search           tsvector NOT NULL GENERATED ALWAYS AS (case_search_document(title, dtcs, symptoms, steps, parts)) STORED
);
CREATE INDEX cases_search ON cases USING gin (search);
