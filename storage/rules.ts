/**
 * Rules as stored: the current definition per rule id, every version ever
 * applied, and whether each rule is enabled. Definitions arrive validated
 * (rules/load.ts); storage keeps them as plain JSON.
 */
import type pg from 'pg'
import type { RuleDefinition, Severity } from '../rules/model.js'
import { PitwallError } from '../runtime/errors.js'

export interface StoredRule {
  id: string
  name: string
  severity: Severity
  version: string
  enabled: boolean
  updatedAt: Date
  /** as applied, with `enabled` as it is now */
  definition: RuleDefinition
}

export interface RuleVersion {
  version: string
  appliedAt: Date
  definition: RuleDefinition
}

export interface ApplyResult {
  added: string[]
  changed: string[]
  unchanged: string[]
}

/** A StoredRule: the definition as applied, with `enabled` as it is now. */
const RULE_COLUMNS = `id, definition->>'name' AS name, definition->>'severity' AS severity, version, enabled, updated_at AS "updatedAt",
  definition || jsonb_build_object('enabled', enabled) AS definition`

export class RuleStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Adds or replaces rules by id, in one statement. A rule whose version and
   * enabled flag are already stored is left as it is (so its updated_at, and
   * the revision, do not move). Rules absent from `defs` are kept.
   */
  async apply (defs: readonly RuleDefinition[]): Promise<ApplyResult> {
    const seen = new Set<string>()
    for (const def of defs) {
      if (seen.has(def.id)) throw new PitwallError('PITWALL_ERR_RULE_DUPLICATE', `rule ${def.id} is given twice in one apply`)
      seen.add(def.id)
    }
    const input = defs.map((def) => ({ id: def.id, version: def.version, enabled: def.enabled, definition: def }))
    const res = await this.pool.query<{ id: string, existed: boolean, written: boolean }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r (id text, version text, enabled boolean, definition jsonb)
       ), before AS (
         SELECT id FROM rules WHERE id IN (SELECT id FROM input)
       ), written AS (
         INSERT INTO rules (id, version, definition, enabled, updated_at)
         SELECT id, version, definition, enabled, now() FROM input
         ON CONFLICT (id) DO UPDATE
           SET version = excluded.version, definition = excluded.definition, enabled = excluded.enabled, updated_at = excluded.updated_at
           WHERE rules.version <> excluded.version OR rules.enabled <> excluded.enabled
         RETURNING id
       ), history AS (
         INSERT INTO rule_versions (id, version, definition)
         SELECT id, version, definition FROM input WHERE id IN (SELECT id FROM written)
         ON CONFLICT (id, version) DO NOTHING
       )
       SELECT i.id, i.id IN (SELECT id FROM before) AS existed, i.id IN (SELECT id FROM written) AS written
       FROM input i`,
      [JSON.stringify(input)])
    const result: ApplyResult = { added: [], changed: [], unchanged: [] }
    for (const row of res.rows) {
      if (!row.existed) result.added.push(row.id)
      else if (row.written) result.changed.push(row.id)
      else result.unchanged.push(row.id)
    }
    return result
  }

  async list (): Promise<StoredRule[]> {
    const res = await this.pool.query<StoredRule>(`SELECT ${RULE_COLUMNS} FROM rules ORDER BY id`)
    return res.rows
  }

  /** The enabled rules, as the engine should run them. */
  async active (): Promise<RuleDefinition[]> {
    const res = await this.pool.query<Pick<StoredRule, 'definition'>>(`SELECT ${RULE_COLUMNS} FROM rules WHERE enabled ORDER BY id`)
    return res.rows.map((row) => row.definition)
  }

  /** Every version of a rule ever applied, oldest first. */
  async history (id: string): Promise<RuleVersion[]> {
    const res = await this.pool.query<RuleVersion>(
      'SELECT version, applied_at AS "appliedAt", definition FROM rule_versions WHERE id = $1 ORDER BY applied_at, version', [id])
    return res.rows
  }

  /**
   * Enables or disables a rule without a new version. Returns false when it
   * already was in that state (nothing written, the revision stays).
   */
  async setEnabled (id: string, enabled: boolean): Promise<boolean> {
    const res = await this.pool.query<{ found: boolean, changed: boolean }>(
      `WITH updated AS (
         UPDATE rules SET enabled = $2, updated_at = now() WHERE id = $1 AND enabled <> $2 RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM rules WHERE id = $1) AS found, EXISTS (SELECT 1 FROM updated) AS changed`,
      [id, enabled])
    const row = res.rows[0] as { found: boolean, changed: boolean }
    if (!row.found) throw new PitwallError('PITWALL_ERR_RULE_UNKNOWN', `no rule ${id} (pitwall rules list shows the stored rules)`)
    return row.changed
  }

  /**
   * A token that changes whenever any rule is added, changed, enabled or
   * disabled, for a gateway polling for reloads. It is a hash of every
   * rule's (id, version, enabled, updated_at) (in epoch seconds: text
   * would follow the session's time zone), not max(updated_at) + count:
   * now() is the transaction's start, so a change committed after a later
   * one could carry an older time and be missed. A few hundred short rows
   * hash in well under a millisecond.
   */
  async revision (): Promise<string> {
    const res = await this.pool.query<{ revision: string | null }>(
      `SELECT md5(string_agg(id || ' ' || version || ' ' || enabled::text || ' ' || extract(epoch FROM updated_at)::text, ',' ORDER BY id)) AS revision
       FROM rules`)
    return res.rows[0]?.revision ?? 'empty'
  }
}
