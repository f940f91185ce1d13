/**
 * Decoder manifests as stored: versions per vehicle model, the DBC files they
 * name (kept once by SHA-256), which one is active per model, every add and
 * activation as an event, and the catalog signals manifests added (ids from
 * a sequence, never reused). Manifests arrive checked (decoders/manifest/);
 * this file keeps them and answers for them.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { ManifestSource, ManifestSpec, ManifestWarning } from '../decoders/manifest/model.js'
import type { ResolvedManifest } from '../decoders/manifest/resolve.js'
import { SIGNAL_CATALOG } from '../decoders/catalog.js'
import type { SignalSource } from '../decoders/catalog-sources.js'
import { canonicalUnit, type CatalogEntry } from '../decoders/signal-catalog.js'
import type { MakerDid } from '../decoders/diagnostics/maker-dids.js'
import { PitwallError } from '../runtime/errors.js'
import { inTransaction } from './transaction.js'

/** Serializes adds and activations: version numbers and catalog ids are handed out under it. */
const MANIFEST_LOCK = 7_250_414

export interface ManifestMapping {
  bus: number
  message: string
  signal: string
  catalog: string
  unit: string
  via: 'signals' | 'VssSignal'
}

export interface ManifestEvent {
  type: 'added' | 'activated' | 'deactivated'
  at: Date
  by: string
}

export interface StoredManifestSummary {
  id: number
  model: string
  version: number
  active: boolean
  description: string | null
  createdAt: Date
  createdBy: string
  buses: Array<{ bus: number, dbc: string, sha256: string, name?: string | undefined }>
  /** catalog names it feeds or declares */
  provides: string[]
  mappedSignals: number
  /** DBC warnings by kind */
  warningCounts: Record<string, number>
}

export interface StoredManifest extends StoredManifestSummary {
  /** as checked; each bus's `dbc` is the DBC's sha256 */
  definition: ManifestSpec
  mappings: ManifestMapping[]
  warnings: ManifestWarning[]
  events: ManifestEvent[]
}

export interface AddedManifest {
  manifest: StoredManifestSummary
  /** false: the same manifest was stored already, as this version */
  created: boolean
  /** catalog signals this add created, with their new ids */
  catalogAdded: CatalogEntry[]
  activated: boolean
}

/** The definition as stored: buses name their DBC by sha256, with the file name beside it. */
interface StoredBus { bus: number, dbc: string, file: string, name?: string }
type StoredDefinition = Omit<ManifestSpec, 'buses'> & { buses: StoredBus[] }

/**
 * A StoredManifestSummary. `buses` names each DBC by file and sha256;
 * `warningCounts` counts the warnings by kind, in the order each kind first
 * appears (json, not jsonb, keeps it).
 */
const SUMMARY_COLUMNS = `id, model, version, active, definition->>'description' AS description,
  created_at AS "createdAt", created_by AS "createdBy",
  (SELECT coalesce(json_agg(json_strip_nulls(json_build_object('bus', b->'bus', 'dbc', b->'file', 'sha256', b->'dbc', 'name', b->'name')) ORDER BY i), '[]')
   FROM jsonb_array_elements(definition->'buses') WITH ORDINALITY AS x (b, i)) AS buses,
  provides, jsonb_array_length(mappings) AS "mappedSignals",
  (SELECT coalesce(json_object_agg(kind, n ORDER BY first), '{}')
   FROM (SELECT w->>'kind' AS kind, count(*)::int AS n, min(i) AS first FROM jsonb_array_elements(warnings) WITH ORDINALITY AS x (w, i) GROUP BY 1) k
  ) AS "warningCounts"`

export class ManifestStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Every catalog signal: built-in and added. */
  /** The built-in signals (decoders/catalog.ts), written at every start so a new release's names and units take effect. */
  async seedBuiltIns (): Promise<void> {
    await this.pool.query(
      `INSERT INTO signal_catalog (id, name, unit)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, unit = excluded.unit`,
      [SIGNAL_CATALOG.map((s) => s.id), SIGNAL_CATALOG.map((s) => s.name), SIGNAL_CATALOG.map((s) => s.unit)])
  }

  /**
   * The sources this start decodes without a stored manifest (OBD-II PIDs,
   * the --can-dbc default), replacing what an earlier start wrote. An active
   * manifest's sources stay: activation keeps them.
   */
  async replaceStartSources (sources: readonly SignalSource[]): Promise<void> {
    // at start-up, before any ingest: readers never see the table half rewritten
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM signal_sources WHERE manifest_id IS NULL')
      await client.query(
        `INSERT INTO signal_sources (kind, source, signal_id, unit)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])`,
        [sources.map((s) => s.kind), sources.map((s) => s.source), sources.map((s) => s.signalId), sources.map((s) => s.unit)])
    })
  }

  async catalog (): Promise<CatalogEntry[]> {
    const res = await this.pool.query<{ id: number, name: string, unit: string, vss: string | null, description: string | null }>(
      'SELECT id, name, unit, vss, description FROM signal_catalog ORDER BY id')
    return res.rows.map((r) => ({ id: r.id, name: r.name, unit: r.unit, ...(r.vss === null ? {} : { vss: r.vss }), ...(r.description === null ? {} : { description: r.description }) }))
  }

  /**
   * Stores a checked manifest as the model's next version (or finds the
   * same one stored before), with its DBC files and the catalog signals it
   * adds; activates it when asked. One transaction: a refusal changes nothing.
   */
  async add (resolved: ResolvedManifest, by: string, activate = false): Promise<AddedManifest> {
    const { source } = resolved
    const definition = storedDefinition(source)
    const contentHash = createHash('sha256').update(JSON.stringify(definition)).digest('hex')
    const mappings: ManifestMapping[] = resolved.mappings.map((m) => ({
      bus: m.bus, message: m.message.name, signal: m.signal.name, catalog: m.catalogName, unit: m.signal.unit, via: m.via
    }))
    return await underManifestLock(this.pool, async (client) => {
      const existing = await client.query<StoredManifestSummary>(`SELECT ${SUMMARY_COLUMNS} FROM decoder_manifests WHERE model = $1 AND content_hash = $2`, [source.spec.model, contentHash])
      if (existing.rows[0] !== undefined) {
        const row = existing.rows[0]
        const activated = activate && !row.active ? await activateInTransaction(client, row.id, row.model, by) : false
        return { manifest: { ...row, active: row.active || activated }, created: false, catalogAdded: [], activated }
      }
      const catalogAdded = await addCatalogSignals(client, resolved.additions)
      for (const dbc of new Map([...source.dbcs.values()].map((d) => [d.sha256, d])).values()) {
        await client.query('INSERT INTO dbc_files (sha256, name, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [dbc.sha256, dbc.name, Buffer.from(dbc.bytes)])
      }
      const res = await client.query<StoredManifestSummary>(
        `INSERT INTO decoder_manifests (model, version, definition, content_hash, mappings, provides, warnings, created_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM decoder_manifests WHERE model = $1
         RETURNING ${SUMMARY_COLUMNS}`,
        [source.spec.model, JSON.stringify(definition), contentHash, JSON.stringify(mappings), resolved.provides, JSON.stringify(resolved.warnings), by])
      const row = res.rows[0] as StoredManifestSummary
      await client.query('UPDATE signal_catalog SET added_by = $1 WHERE added_by IS NULL AND id = ANY($2::int[])', [row.id, catalogAdded.map((c) => c.id)])
      await recordEvent(client, row.id, 'added', by)
      const activated = activate ? await activateInTransaction(client, row.id, row.model, by) : false
      return { manifest: { ...row, active: activated }, created: true, catalogAdded, activated }
    })
  }

  /** Makes `version` the model's active manifest (the one before stops); false when it already was. */
  async activate (model: string, version: number, by: string): Promise<boolean> {
    return await underManifestLock(this.pool, async (client) => {
      const res = await client.query<{ id: number, active: boolean }>('SELECT id, active FROM decoder_manifests WHERE model = $1 AND version = $2', [model, version])
      const row = res.rows[0]
      if (row === undefined) throw await unknownManifest(client, model, version)
      if (row.active) return false
      return await activateInTransaction(client, row.id, model, by)
    })
  }

  /** The model has no active manifest after this: its vehicles' CAN frames are archived raw only. False when none was active. */
  async deactivate (model: string, by: string): Promise<boolean> {
    return await underManifestLock(this.pool, async (client) => {
      if (await deactivateModel(client, model, by)) return true
      const any = await client.query('SELECT 1 FROM decoder_manifests WHERE model = $1 LIMIT 1', [model])
      if (any.rows.length === 0) throw new PitwallError('PITWALL_ERR_MANIFEST_UNKNOWN', `no decoder manifest for model ${model} (pitwall manifests list shows them)`)
      return false
    })
  }

  async list (query: { model?: string | undefined, active?: boolean | undefined } = {}): Promise<StoredManifestSummary[]> {
    const res = await this.pool.query<StoredManifestSummary>(
      `SELECT ${SUMMARY_COLUMNS} FROM decoder_manifests
       WHERE ($1::text IS NULL OR model = $1) AND ($2::boolean IS NULL OR active = $2)
       ORDER BY model, version`, [query.model ?? null, query.active ?? null])
    return res.rows
  }

  /** One version by id, or by model and version (the active one when `version` is absent). */
  async get (ref: { id: number } | { model: string, version?: number | undefined }): Promise<StoredManifest> {
    type Stored = StoredManifestSummary & Pick<StoredManifest, 'mappings' | 'warnings'> & { definition: StoredDefinition }
    const columns = `${SUMMARY_COLUMNS}, definition, mappings, warnings`
    const res = 'id' in ref
      ? await this.pool.query<Stored>(`SELECT ${columns} FROM decoder_manifests WHERE id = $1`, [ref.id])
      : await this.pool.query<Stored>(
        `SELECT ${columns} FROM decoder_manifests WHERE model = $1 AND ($2::int IS NULL AND active OR version = $2)`, [ref.model, ref.version ?? null])
    const row = res.rows[0]
    if (row === undefined) {
      if ('id' in ref) throw new PitwallError('PITWALL_ERR_MANIFEST_UNKNOWN', `no decoder manifest ${ref.id}`)
      throw await unknownManifest(this.pool, ref.model, ref.version)
    }
    const events = await this.pool.query<ManifestEvent>('SELECT type, at, by FROM decoder_manifest_events WHERE manifest_id = $1 ORDER BY id', [row.id])
    return { ...row, definition: specOf(row.definition), events: events.rows }
  }

  /**
   * The maker DIDs the active manifest of a vehicle's model describes (its
   * `dids:`), which name and lay out that vehicle's 0x22 answers; empty when
   * the model has no active manifest or it describes none.
   */
  async makerDids (vin: string): Promise<MakerDid[]> {
    const res = await this.pool.query<{ dids: MakerDid[] | null }>(
      `SELECT m.definition -> 'dids' AS dids FROM vehicles v JOIN decoder_manifests m ON m.model = v.model AND m.active WHERE v.vin = $1`, [vin])
    return res.rows[0]?.dids ?? []
  }

  /** The active versions: what gateways decode with. */
  async active (): Promise<Array<{ id: number, model: string, version: number }>> {
    const res = await this.pool.query<{ id: number, model: string, version: number }>('SELECT id, model, version FROM decoder_manifests WHERE active ORDER BY model')
    return res.rows
  }

  /** A stored version with its DBC files, ready to resolve and compile. */
  async source (id: number): Promise<ManifestSource & { id: number, version: number }> {
    const res = await this.pool.query<{ id: number, version: number, definition: StoredDefinition }>('SELECT id, version, definition FROM decoder_manifests WHERE id = $1', [id])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_MANIFEST_UNKNOWN', `no decoder manifest ${id}`)
    const shas = [...new Set(row.definition.buses.map((b) => b.dbc))]
    const files = await this.pool.query<{ sha256: string, name: string, content: Buffer }>('SELECT sha256, name, content FROM dbc_files WHERE sha256 = ANY($1::text[])', [shas])
    const dbcs = new Map(files.rows.map((f) => [f.sha256, { name: f.name, bytes: new Uint8Array(f.content), sha256: f.sha256 }]))
    return { id: row.id, version: row.version, origin: `manifest ${row.definition.model}@${row.version}`, spec: specOf(row.definition), dbcs }
  }

  /** Catalog names the active manifests feed or declare. */
  async provided (): Promise<Set<string>> {
    const res = await this.pool.query<{ name: string }>('SELECT DISTINCT unnest(provides) AS name FROM decoder_manifests WHERE active')
    return new Set(res.rows.map((r) => r.name))
  }

  /** Changes whenever a manifest is added, activated or deactivated anywhere: gateways poll it. */
  async revision (): Promise<string> {
    const res = await this.pool.query<{ revision: string }>('SELECT coalesce(max(id), 0)::text AS revision FROM decoder_manifest_events')
    return (res.rows[0] as { revision: string }).revision
  }
}

/** Adds, activations and the catalog ids they hand out happen one at a time, in a transaction. */
async function underManifestLock<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MANIFEST_LOCK])
    return await work(client)
  })
}

async function recordEvent (client: pg.PoolClient, id: number, type: ManifestEvent['type'], by: string): Promise<void> {
  await client.query('INSERT INTO decoder_manifest_events (manifest_id, type, by) VALUES ($1, $2, $3)', [id, type, by])
}

/** Ends the model's active version, if any, with its signal_sources rows; false when none was active. */
async function deactivateModel (client: pg.PoolClient, model: string, by: string): Promise<boolean> {
  const res = await client.query<{ id: number }>('UPDATE decoder_manifests SET active = false WHERE model = $1 AND active RETURNING id', [model])
  for (const { id } of res.rows) {
    await client.query('DELETE FROM signal_sources WHERE manifest_id = $1', [id])
    await recordEvent(client, id, 'deactivated', by)
  }
  return res.rows.length > 0
}

async function activateInTransaction (client: pg.PoolClient, id: number, model: string, by: string): Promise<boolean> {
  await deactivateModel(client, model, by)
  await client.query('UPDATE decoder_manifests SET active = true WHERE id = $1', [id])
  // what feeds each catalog signal now, for "what measures Vehicle.Speed on this fleet"
  await client.query(
    `INSERT INTO signal_sources (kind, source, signal_id, unit, manifest_id)
     SELECT 'dbc', m.model || '@' || m.version || ' bus ' || (x->>'bus') || ' ' || (x->>'message') || '.' || (x->>'signal'), c.id, x->>'unit', m.id
     FROM decoder_manifests m CROSS JOIN LATERAL jsonb_array_elements(m.mappings) x JOIN signal_catalog c ON c.name = x->>'catalog'
     WHERE m.id = $1
     ON CONFLICT (kind, source) DO NOTHING`, [id])
  await recordEvent(client, id, 'activated', by)
  return true
}

/**
 * Gives each new name an id from the sequence. Another manifest may have
 * added a name since this one was checked: it keeps its id, and a unit that
 * differs is refused (nothing is stored then).
 */
async function addCatalogSignals (client: pg.PoolClient, additions: ResolvedManifest['additions']): Promise<CatalogEntry[]> {
  if (additions.length === 0) return []
  const names = additions.map((a) => a.name)
  const known = await client.query<{ name: string, unit: string }>('SELECT name, unit FROM signal_catalog WHERE name = ANY($1::text[])', [names])
  const units = new Map(known.rows.map((r) => [r.name, r.unit]))
  const added: CatalogEntry[] = []
  for (const a of additions) {
    const unit = units.get(a.name)
    if (unit !== undefined) {
      if (canonicalUnit(unit) !== canonicalUnit(a.unit)) {
        throw new PitwallError('PITWALL_ERR_MANIFEST_INVALID', `${a.name} is in "${unit}" in the catalog (added meanwhile), not "${a.unit}"`)
      }
      continue
    }
    const res = await client.query<{ id: number }>(
      `INSERT INTO signal_catalog (id, name, unit, vss, description, added_at)
       VALUES (nextval('signal_catalog_added_ids'), $1, $2, $3, $4, now()) RETURNING id`,
      [a.name, a.unit, a.vss ?? null, a.description ?? null])
    added.push({ ...a, id: (res.rows[0] as { id: number }).id })
  }
  return added
}

async function unknownManifest (db: pg.Pool | pg.PoolClient, model: string, version: number | undefined): Promise<PitwallError> {
  const res = await db.query<{ version: number, active: boolean }>('SELECT version, active FROM decoder_manifests WHERE model = $1 ORDER BY version', [model])
  if (res.rows.length === 0) return new PitwallError('PITWALL_ERR_MANIFEST_UNKNOWN', `no decoder manifest for model ${model} (pitwall manifests list shows them)`)
  const versions = res.rows.map((r) => `${r.version}${r.active ? ' (active)' : ''}`).join(', ')
  return new PitwallError('PITWALL_ERR_MANIFEST_UNKNOWN', version === undefined
    ? `model ${model} has no active decoder manifest (versions: ${versions})`
    : `model ${model} has no decoder manifest version ${version} (versions: ${versions})`)
}

function storedDefinition (source: ManifestSource): StoredDefinition {
  const { spec } = source
  return {
    ...spec,
    buses: spec.buses.map((b) => {
      const dbc = source.dbcs.get(b.dbc)
      if (dbc === undefined) throw new PitwallError('PITWALL_ERR_MANIFEST_INVALID', `${source.origin}: the DBC of bus ${b.bus} (${b.dbc}) was not given`)
      return { bus: b.bus, dbc: dbc.sha256, file: dbc.name, ...(b.name === undefined ? {} : { name: b.name }) }
    })
  }
}

/** The stored definition as a spec whose buses name their DBC by sha256 (the key of ManifestSource.dbcs). */
function specOf (definition: StoredDefinition): ManifestSpec {
  return { ...definition, buses: definition.buses.map((b) => ({ bus: b.bus, dbc: b.dbc, ...(b.name === undefined ? {} : { name: b.name }) })) }
}
