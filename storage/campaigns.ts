/**
 * OTA / remote-action campaigns: a cohort of vehicles resolved when the
 * campaign starts, split into waves (cumulative shares of the cohort, e.g.
 * 1 % → 10 % → 100 %), each wave's commands queued only when the wave
 * before it succeeded well enough.
 *
 *   draft → running ⇄ paused → completed | aborted
 *
 * A vehicle's wave is fixed at start by a hash of campaign id and VIN, so
 * the first wave is a spread of the cohort, not its oldest vehicles, and
 * stays the same if the step is repeated. Pausing holds the campaign's
 * unsent commands in their queues (the dispatcher skips them); aborting
 * cancels them. Commands already with a vehicle run to their end either way.
 */
import type pg from 'pg'
import type { CommandBody, CommandState } from './commands.js'
import { FINAL_COMMAND_STATES, MAX_COMMAND_TTL_MS } from './commands.js'
import { StorageError } from './errors.js'
import { inTransaction } from './transaction.js'

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'completed', 'aborted'] as const
export type CampaignState = typeof CAMPAIGN_STATES[number]

export interface Cohort {
  /** registered models (exact); empty: any */
  models?: string[]
  /** firmware versions, `*` at the end for a prefix; empty: any */
  firmware?: string[]
  /** only vehicles with this rule's fault open or acknowledged */
  openFaultRule?: string
  /** only these VINs; empty: any */
  vins?: string[]
}

export interface NewCampaign {
  id: string
  name: string
  body: CommandBody
  cohort: Cohort
  /** cumulative shares, ascending, ending at 1; default [0.01, 0.1, 1] */
  waves?: number[]
  /** default 0.95 */
  minSuccessRate?: number
  /** default 0.2 */
  failureThreshold?: number
  /** default 7 days */
  commandTtlMs?: number
  createdBy: string
}

export interface Campaign {
  id: string
  name: string
  body: CommandBody
  cohort: Cohort
  waves: number[]
  minSuccessRate: number
  failureThreshold: number
  commandTtlMs: number
  state: CampaignState
  /** index into waves of the wave whose commands are out (0 before start) */
  currentWave: number
  stateReason: string | null
  createdBy: string
  createdAt: Date
  updatedAt: Date
}

export interface WaveProgress {
  wave: number
  /** cumulative share of the cohort at the end of this wave */
  share: number
  vehicles: number
  /** commands by state (absent: not queued yet) */
  commands: Partial<Record<CommandState, number>>
  succeeded: number
  /** failed, rejected or expired */
  failed: number
  /** final in any state */
  finished: number
}

export interface CampaignProgress {
  campaign: Campaign
  vehicles: number
  waves: WaveProgress[]
}

/** What one runner pass did to a campaign. */
export type CampaignStep =
  | { type: 'wave_started', wave: number, commands: number }
  | { type: 'completed' }
  | { type: 'paused', reason: string }

interface Row {
  id: string
  name: string
  body: CommandBody
  cohort: Cohort
  waves: number[]
  min_success_rate: number
  failure_threshold: number
  command_ttl_ms: string
  state: CampaignState
  current_wave: number
  state_reason: string | null
  created_by: string
  created_at: Date
  updated_at: Date
}

const FAILED: readonly CommandState[] = ['failed', 'rejected', 'expired']
/** failures are judged on at least this many finished commands (or the whole wave, if smaller) */
const MIN_FINISHED_FOR_PAUSE = 5

function campaign (r: Row): Campaign {
  return {
    id: r.id,
    name: r.name,
    body: r.body,
    cohort: r.cohort,
    waves: r.waves,
    minSuccessRate: r.min_success_rate,
    failureThreshold: r.failure_threshold,
    commandTtlMs: Number(r.command_ttl_ms),
    state: r.state,
    currentWave: r.current_wave,
    stateReason: r.state_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

function invalid (message: string): StorageError {
  return new StorageError('PITWALL_ERR_CAMPAIGN_INVALID', message)
}

export function validateCampaign (spec: NewCampaign): string[] {
  const problems: string[] = []
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(spec.id)) problems.push(`id ${JSON.stringify(spec.id)} must be lowercase letters, digits and '-' (at most 63)`)
  if (spec.name.trim() === '') problems.push('name is empty')
  const waves = spec.waves ?? [0.01, 0.1, 1]
  if (waves.length === 0) problems.push('waves is empty')
  waves.forEach((w, i) => {
    if (!(w > 0 && w <= 1)) problems.push(`waves[${i}] = ${w} is not a share in (0, 1]`)
    else if (i > 0 && w <= (waves[i - 1] as number)) problems.push(`waves[${i}] = ${w} does not grow past waves[${i - 1}] = ${waves[i - 1] as number} (shares are cumulative)`)
  })
  if (waves.length > 0 && waves[waves.length - 1] !== 1) problems.push(`the last wave is ${waves[waves.length - 1] as number}, not 1: part of the cohort would never be reached`)
  for (const [name, v] of [['minSuccessRate', spec.minSuccessRate], ['failureThreshold', spec.failureThreshold]] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) problems.push(`${name} ${v} is not between 0 and 1`)
  }
  const ttl = spec.commandTtlMs
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_COMMAND_TTL_MS)) problems.push(`commandTtlMs ${ttl} is not between 1 ms and 30 days`)
  const c = spec.cohort
  if ((c.models ?? []).length === 0 && (c.firmware ?? []).length === 0 && c.openFaultRule === undefined && (c.vins ?? []).length === 0) {
    problems.push('the cohort is the whole fleet: give models, firmware, openFaultRule or vins (a whole-fleet campaign should be a deliberate filter)')
  }
  return problems
}

export class CampaignStore {
  constructor (private readonly pool: pg.Pool) {}

  async create (spec: NewCampaign): Promise<Campaign> {
    const problems = validateCampaign(spec)
    if (problems.length > 0) throw invalid(`campaign ${spec.id}: ${problems.join('; ')}`)
    try {
      const res = await this.pool.query<Row>(
        `WITH ins AS (
           INSERT INTO campaigns (id, name, body, cohort, waves, min_success_rate, failure_threshold, command_ttl_ms, state, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9) RETURNING *),
         ev AS (INSERT INTO campaign_events (campaign_id, state, wave, by) SELECT id, state, 0, created_by FROM ins)
         SELECT * FROM ins`,
        [spec.id, spec.name, JSON.stringify(spec.body), JSON.stringify(spec.cohort), spec.waves ?? [0.01, 0.1, 1],
          spec.minSuccessRate ?? 0.95, spec.failureThreshold ?? 0.2, spec.commandTtlMs ?? 7 * 24 * 3600_000, spec.createdBy])
      return campaign(res.rows[0] as Row)
    } catch (err) {
      if ((err as { code?: unknown }).code === '23505') throw new StorageError('PITWALL_ERR_CAMPAIGN_EXISTS', `campaign ${spec.id} exists already; a new campaign needs a new id`)
      throw err
    }
  }

  async get (id: string): Promise<Campaign> {
    const row = (await this.pool.query<Row>('SELECT * FROM campaigns WHERE id = $1', [id])).rows[0]
    if (row === undefined) throw unknownCampaign(id)
    return campaign(row)
  }

  async list (state?: CampaignState): Promise<Campaign[]> {
    return (await this.pool.query<Row>('SELECT * FROM campaigns WHERE ($1::text IS NULL OR state = $1) ORDER BY created_at DESC', [state ?? null])).rows.map(campaign)
  }

  /**
   * Resolves the cohort, gives every vehicle its wave and queues the first
   * wave's commands, in one transaction. Returns the vehicles of the cohort.
   */
  async start (id: string, by: string): Promise<{ campaign: Campaign, vehicles: number, queued: number[] }> {
    return await inTransaction(this.pool, async (client) => {
      const row = (await client.query<Row>('SELECT * FROM campaigns WHERE id = $1 FOR UPDATE', [id])).rows[0]
      if (row === undefined) throw unknownCampaign(id)
      if (row.state !== 'draft') throw transition(id, 'start', row.state, ['draft'])
      const c = row.cohort
      const firmware = (c.firmware ?? []).map((f) => f.endsWith('*') ? f.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%' : f.replace(/[\\%_]/g, '\\$&'))
      const assigned = await client.query<{ n: string }>(
        `WITH cohort AS (
           SELECT v.id, row_number() OVER (ORDER BY md5($1 || v.vin)) AS rank, count(*) OVER () AS total
           FROM vehicles v
           WHERE (cardinality($2::text[]) = 0 OR v.model = ANY ($2::text[]))
             AND (cardinality($3::text[]) = 0 OR v.firmware LIKE ANY ($3::text[]))
             AND (cardinality($4::text[]) = 0 OR v.vin = ANY ($4::text[]))
             AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM faults f WHERE f.vehicle_id = v.id AND f.rule_id = $5 AND f.state IN ('open', 'acknowledged')))),
         waved AS (
           -- the first wave whose cumulative share covers the vehicle's rank (at least one vehicle per wave when there are enough)
           SELECT id, (SELECT min(k - 1) FROM generate_subscripts($6::float8[], 1) AS k WHERE rank <= greatest(k, ceil(($6::float8[])[k] * total))) AS wave
           FROM cohort),
         ins AS (INSERT INTO campaign_vehicles (campaign_id, vehicle_id, wave) SELECT $1, id, wave FROM waved RETURNING 1)
         SELECT count(*) AS n FROM ins`,
        [id, c.models ?? [], firmware, c.vins ?? [], c.openFaultRule ?? null, row.waves])
      const vehicles = Number(assigned.rows[0]?.n ?? 0)
      if (vehicles === 0) throw invalid(`campaign ${id}: no vehicle matches its cohort ${JSON.stringify(c)}`)
      await client.query(`UPDATE campaigns SET state = 'running', current_wave = 0, state_reason = NULL, updated_at = now() WHERE id = $1`, [id])
      await client.query(`INSERT INTO campaign_events (campaign_id, state, wave, by, detail) VALUES ($1, 'running', 0, $2, $3)`, [id, by, JSON.stringify({ vehicles })])
      const queued = await queueWave(client, row, 0)
      const updated = (await client.query<Row>('SELECT * FROM campaigns WHERE id = $1', [id])).rows[0] as Row
      return { campaign: campaign(updated), vehicles, queued }
    })
  }

  async pause (id: string, by: string, reason: string): Promise<Campaign> {
    return await this.move(id, 'pause', ['running'], 'paused', by, reason)
  }

  /** Resumes a paused campaign; returns it and the vehicles whose held commands may go now. */
  async resume (id: string, by: string): Promise<{ campaign: Campaign, vehicles: number[] }> {
    const c = await this.move(id, 'resume', ['paused'], 'running', by, null)
    const res = await this.pool.query<{ vehicle_id: number }>(`SELECT vehicle_id FROM commands WHERE campaign_id = $1 AND state = 'queued'`, [id])
    return { campaign: c, vehicles: res.rows.map((r) => r.vehicle_id) }
  }

  /** Stops the campaign for good: its unsent commands are cancelled. */
  async abort (id: string, by: string, reason: string): Promise<Campaign> {
    return await inTransaction(this.pool, async (client) => {
      const c = await this.move(id, 'abort', ['draft', 'running', 'paused'], 'aborted', by, reason, client)
      await client.query(
        `WITH upd AS (UPDATE commands SET state = 'cancelled', updated_at = now()
           WHERE campaign_id = $1 AND state IN ('pending_approval', 'queued') RETURNING id)
         INSERT INTO command_events (command_id, state, by, detail) SELECT id, 'cancelled', $2, 'campaign aborted' FROM upd`, [id, by])
      return c
    })
  }

  async progress (id: string): Promise<CampaignProgress> {
    const c = await this.get(id)
    const res = await this.pool.query<{ wave: number, vehicles: string, state: CommandState | null, n: string }>(
      `SELECT cv.wave, count(*) OVER (PARTITION BY cv.wave) AS vehicles, cmd.state, count(*) OVER (PARTITION BY cv.wave, cmd.state) AS n
       FROM campaign_vehicles cv LEFT JOIN commands cmd ON cmd.campaign_id = cv.campaign_id AND cmd.vehicle_id = cv.vehicle_id
       WHERE cv.campaign_id = $1`, [id])
    const waves: WaveProgress[] = c.waves.map((share, wave) => ({ wave, share, vehicles: 0, commands: {}, succeeded: 0, failed: 0, finished: 0 }))
    const seen = new Set<string>()
    for (const r of res.rows) {
      const w = waves[r.wave]
      if (w === undefined) continue
      w.vehicles = Number(r.vehicles)
      const key = `${r.wave}/${r.state ?? ''}`
      if (r.state === null || seen.has(key)) continue
      seen.add(key)
      const n = Number(r.n)
      w.commands[r.state] = n
      if (r.state === 'succeeded') w.succeeded += n
      if (FAILED.includes(r.state)) w.failed += n
      if (FINAL_COMMAND_STATES.includes(r.state)) w.finished += n
    }
    return { campaign: c, vehicles: waves.reduce((a, w) => a + w.vehicles, 0), waves }
  }

  /**
   * One runner pass over a running campaign: pauses it when the failed share
   * of its finished commands passes the threshold; when the current wave is
   * finished, starts the next wave if this one's success rate held, or
   * completes the campaign after the last. Returns what it did and the
   * vehicles given a command now.
   *
   * Failures that finished before an engineer resumed the campaign count in
   * neither check: the engineer saw them and resumed anyway. Counted, they
   * would pause it again at once, for the same reason, and a campaign paused
   * by its runner could never go on.
   */
  async advance (id: string): Promise<{ step?: CampaignStep, queued: number[] }> {
    const progress = await this.progress(id)
    const c = progress.campaign
    if (c.state !== 'running') return { queued: [] }
    const accepted = await this.failedBeforeResume(id)
    const current = progress.waves[c.currentWave] as WaveProgress
    const soFar = progress.waves.slice(0, c.currentWave + 1)
    const acceptedSoFar = soFar.reduce((a, w) => a + (accepted.get(w.wave) ?? 0), 0)
    const finished = soFar.reduce((a, w) => a + w.finished, 0) - acceptedSoFar
    const failed = soFar.reduce((a, w) => a + w.failed, 0) - acceptedSoFar
    const judged = Math.min(MIN_FINISHED_FOR_PAUSE, soFar.reduce((a, w) => a + w.vehicles, 0) - acceptedSoFar)
    if (finished >= judged && finished > 0 && failed / finished > c.failureThreshold) {
      const reason = `${failed} of ${finished} finished commands failed (${pct(failed / finished)} > ${pct(c.failureThreshold)})`
      await this.move(id, 'pause', ['running'], 'paused', 'campaign-runner', reason)
      return { step: { type: 'paused', reason }, queued: [] }
    }
    if (current.finished < current.vehicles) return { queued: [] }
    // a command an engineer withdrew did not run: it is neither a success nor
    // a failure, and counted it would pause the campaign again at every resume
    const counted = current.vehicles - (current.commands.cancelled ?? 0) - (accepted.get(c.currentWave) ?? 0)
    const success = counted === 0 ? 1 : current.succeeded / counted
    if (success < c.minSuccessRate) {
      const reason = `wave ${c.currentWave + 1}: ${current.succeeded} of ${counted} succeeded (${pct(success)} < ${pct(c.minSuccessRate)})`
      await this.move(id, 'pause', ['running'], 'paused', 'campaign-runner', reason)
      return { step: { type: 'paused', reason }, queued: [] }
    }
    if (c.currentWave + 1 >= c.waves.length) {
      await this.move(id, 'complete', ['running'], 'completed', 'campaign-runner', null)
      return { step: { type: 'completed' }, queued: [] }
    }
    return await inTransaction(this.pool, async (client) => {
      const row = (await client.query<Row>('SELECT * FROM campaigns WHERE id = $1 FOR UPDATE', [id])).rows[0] as Row
      // another pass (or an engineer) moved it meanwhile
      if (row.state !== 'running' || row.current_wave !== c.currentWave) return { queued: [] }
      const wave = c.currentWave + 1
      await client.query('UPDATE campaigns SET current_wave = $2, updated_at = now() WHERE id = $1', [id, wave])
      await client.query(`INSERT INTO campaign_events (campaign_id, state, wave, by, detail) VALUES ($1, 'wave_started', $2, 'campaign-runner', $3)`,
        [id, wave, JSON.stringify({ previousWaveSuccess: success })])
      const queued = await queueWave(client, row, wave)
      return { step: { type: 'wave_started', wave, commands: queued.length }, queued }
    })
  }

  /** Per wave, the campaign's failed commands that finished before it last went running (its start or latest resume). */
  private async failedBeforeResume (id: string): Promise<Map<number, number>> {
    const res = await this.pool.query<{ wave: number, n: string }>(
      `SELECT cv.wave, count(*) AS n
       FROM campaign_vehicles cv JOIN commands c ON c.campaign_id = cv.campaign_id AND c.vehicle_id = cv.vehicle_id
       WHERE cv.campaign_id = $1 AND c.state = ANY ($2::text[])
         AND c.updated_at < (SELECT max(time) FROM campaign_events WHERE campaign_id = $1 AND state = 'running')
       GROUP BY cv.wave`, [id, FAILED])
    return new Map(res.rows.map((r) => [r.wave, Number(r.n)]))
  }

  async timeline (id: string): Promise<Array<{ time: Date, state: string, wave: number, by: string | null, detail: Record<string, unknown> | null }>> {
    await this.get(id)
    return (await this.pool.query<{ time: Date, state: string, wave: number, by: string | null, detail: Record<string, unknown> | null }>(
      'SELECT time, state, wave, by, detail FROM campaign_events WHERE campaign_id = $1 ORDER BY id', [id])).rows
  }

  private async move (id: string, verb: string, from: readonly CampaignState[], to: CampaignState, by: string, reason: string | null, client: pg.Pool | pg.PoolClient = this.pool): Promise<Campaign> {
    const res = await client.query<Row & { prior: CampaignState | null }>(
      `WITH prior AS (SELECT state FROM campaigns WHERE id = $1),
       upd AS (UPDATE campaigns SET state = $2, state_reason = $5, updated_at = now() WHERE id = $1 AND state = ANY ($3::text[]) RETURNING *),
       ev AS (INSERT INTO campaign_events (campaign_id, state, wave, by, detail)
         SELECT id, state, current_wave, $4, CASE WHEN $5::text IS NULL THEN NULL ELSE jsonb_build_object('reason', $5::text) END FROM upd)
       SELECT (SELECT state FROM prior) AS prior, upd.* FROM (SELECT 1) one LEFT JOIN upd ON true`,
      [id, to, from, by, reason])
    const row = res.rows[0] as Row & { prior: CampaignState | null }
    if (row.prior === null) throw unknownCampaign(id)
    if (row.id === null) throw transition(id, verb, row.prior, from)
    return campaign(row)
  }
}

/** Queues the commands of one wave; returns the vehicles given one. */
async function queueWave (client: pg.PoolClient, c: Row, wave: number): Promise<number[]> {
  const res = await client.query<{ vehicle_id: number }>(
    `WITH ins AS (
       INSERT INTO commands (id, vehicle_id, body, state, expires_at, requested_by, campaign_id, next_send_at)
       SELECT gen_random_uuid()::text, cv.vehicle_id, $3, 'queued', now() + $4 * interval '1 millisecond', 'campaign:' || $1, $1, now()
       FROM campaign_vehicles cv WHERE cv.campaign_id = $1 AND cv.wave = $2
       ON CONFLICT DO NOTHING RETURNING id, vehicle_id, requested_by),
     ev AS (INSERT INTO command_events (command_id, state, by) SELECT id, 'queued', requested_by FROM ins)
     SELECT vehicle_id FROM ins`, [c.id, wave, JSON.stringify(c.body), Number(c.command_ttl_ms)])
  return res.rows.map((r) => r.vehicle_id)
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`

function unknownCampaign (id: string): StorageError {
  return new StorageError('PITWALL_ERR_CAMPAIGN_UNKNOWN', `no campaign ${JSON.stringify(id)} (pitwall campaigns list shows them)`)
}

function transition (id: string, verb: string, state: CampaignState, from: readonly CampaignState[]): StorageError {
  return new StorageError('PITWALL_ERR_CAMPAIGN_TRANSITION', `cannot ${verb} campaign ${id}: it is ${state} (only ${from.join(', ')} campaigns can be)`)
}
