-- Parts become structured, {number, description, quantity} (rules/parts.ts),
-- in cases, in rules' dealer_prestage actions and in the actions faults
-- copied from them; and customer survey answers are kept per dealer alert
-- for the CSI and NPS KPIs (storage/surveys.ts).
--
-- A part stored as text becomes its description, quantity 1, no number:
-- nothing is guessed from the text and nothing of it is dropped (text over
-- today's caps is kept whole; it is refused only when a case or rule
-- carrying it is saved again, with a message naming it).

-- A text part → {number: null, description, quantity: 1}; an object is kept.
-- Empty texts were refused for cases but not for rules: they say nothing and go.
CREATE FUNCTION structured_parts (parts jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(jsonb_agg(
      CASE WHEN jsonb_typeof(p) = 'string' THEN jsonb_build_object('number', NULL, 'description', btrim(p #>> '{}'), 'quantity', 1) ELSE p END
      ORDER BY i), '[]'::jsonb)
  FROM jsonb_array_elements(parts) WITH ORDINALITY AS e (p, i)
  WHERE jsonb_typeof(p) <> 'string' OR btrim(p #>> '{}') <> '';
END;

-- Rule definitions as stored keep their version: it names the definition an
-- engineer applied, and faults point at it. A rule file loaded again reads
-- the same parts the same way, so its next apply changes the version once.
UPDATE rules SET definition = jsonb_set(definition, '{action,parts}', structured_parts(definition #> '{action,parts}'))
  WHERE definition #>> '{action,type}' = 'dealer_prestage' AND jsonb_typeof(definition #> '{action,parts}') = 'array';
UPDATE rule_versions SET definition = jsonb_set(definition, '{action,parts}', structured_parts(definition #> '{action,parts}'))
  WHERE definition #>> '{action,type}' = 'dealer_prestage' AND jsonb_typeof(definition #> '{action,parts}') = 'array';
UPDATE faults SET action = jsonb_set(action, '{parts}', structured_parts(action -> 'parts'))
  WHERE action ->> 'type' = 'dealer_prestage' AND jsonb_typeof(action -> 'parts') = 'array';
-- Dealer alerts keep their payload as raised (and as their webhook sent it):
-- one raised before this migration has `suggestion.parts` as text only.

-- Cases: parts text[] → jsonb. The search document is generated from the
-- parts, so it goes first and comes back over the new column; a part is
-- found by its number and its description.
DROP INDEX cases_search;
ALTER TABLE cases DROP COLUMN search;
ALTER TABLE cases ADD COLUMN parts_structured jsonb NOT NULL DEFAULT '[]';
UPDATE cases SET parts_structured = structured_parts(to_jsonb(parts));
ALTER TABLE cases DROP COLUMN parts;
ALTER TABLE cases RENAME COLUMN parts_structured TO parts;
ALTER TABLE cases ADD CONSTRAINT cases_parts_list CHECK (jsonb_typeof(parts) = 'array');
DROP FUNCTION structured_parts (jsonb);

-- The parts as text, for the search document and the snippet: "1K0 959 455 radiator fan assembly, ...".
-- Immutable for the same reason as case_search_document (migration 008).
CREATE FUNCTION case_parts_text (parts jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(string_agg(btrim(coalesce(p ->> 'number', '') || ' ' || coalesce(p ->> 'description', '')), ', ' ORDER BY i), '')
  FROM jsonb_array_elements(parts) WITH ORDINALITY AS e (p, i);
END;

DROP FUNCTION case_search_document (text, text[], text, text[], text[]);
CREATE FUNCTION case_search_document (title text, dtcs text[], symptoms text, steps text[], parts jsonb)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, array_to_string(dtcs, ' ')), 'A')
    || setweight(to_tsvector('english'::regconfig, symptoms), 'B')
    || setweight(to_tsvector('english'::regconfig, array_to_string(steps, ' ') || ' ' || case_parts_text(parts)), 'C');
END;
ALTER TABLE cases ADD COLUMN search tsvector NOT NULL GENERATED ALWAYS AS (case_search_document(title, dtcs, symptoms, steps, parts)) STORED;
CREATE INDEX cases_search ON cases USING gin (search);

-- The customer's answer to the satisfaction survey after a repair, one per
-- dealer alert (actions/kpis/model.ts says the scales and why an answer is
-- not corrected). Either score may be missing: customers skip questions.
CREATE TABLE alert_surveys (
  alert_id     bigint PRIMARY KEY REFERENCES dealer_alerts (id),
  -- CSI: overall satisfaction with the service visit, 1 (very dissatisfied) to 5 (very satisfied)
  csi          smallint CHECK (csi BETWEEN 1 AND 5),
  -- NPS question: how likely to recommend the brand's service, 0 to 10
  recommend    smallint CHECK (recommend BETWEEN 0 AND 10),
  comment      text CHECK (length(comment) <= 2000),
  -- when the customer answered (the survey tool's time), and who entered it here
  answered_at  timestamptz NOT NULL,
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (csi IS NOT NULL OR recommend IS NOT NULL)
);
