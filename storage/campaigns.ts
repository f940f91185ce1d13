/**
 * The campaigns' tables: campaigns, the cohort each resolved at start
 * (campaign_vehicles, each vehicle with its wave) and every step each took
 * (campaign_events). What a campaign is and which moves it allows are in
 * actions/campaigns/model.ts, the decisions in actions/campaigns/policy.ts;
 * each move here is one guarded statement that refuses when the campaign is
 * no longer in a state the move starts from, so a runner pass and an
 * engineer acting at the same moment cannot both move it.
 *
 * A vehicle's wave is fixed at start by a hash of campaign id and VIN, so
 * the first wave is a spread of the cohort, not its oldest vehicles, and
 * stays the same if the step is repeated.
 */
import type pg from 'pg'
import {
  ADVANCING_STATE, CAMPAIGN_TRANSITIONS, DEFAULT_CAMPAIGN_COMMAND_TTL_MS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_MIN_SUCCESS_RATE, DEFAULT_WAVES, FAILED_COMMAND_STATES,
  type Campaign, type CampaignEvent, type CampaignProgress, type CampaignSpec, type CampaignState, type CampaignTransition, type WaveProgress
} from '../actions/campaigns/model.js'
import { COMMAND_TRANSITIONS, FINAL_COMMAND_STATES } from '../actions/commands/model.js'
import { ACTIVE_FAULT_STATES } from '../rules/fault-lifecycle.js'
import { PitwallError } from '../runtime/errors.js'
import { cannotMove, refusedMove } from '../runtime/transition.js'
import { inTransaction } from './transaction.js'

const CAMPAIGN_COLUMNS = `id, name, body, cohort, waves, min_success_rate AS "minSuccessRate", failure_threshold AS "failureThreshold",
  command_ttl_ms AS "commandTtlMs", state, current_wave AS "currentWave", state_reason AS "stateReason",
  created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`

/** A guarded move's answer: the state before it (null: no such campaign) and the campaign after it (every column null: refused). */
const GUARDED = 'SELECT (SELECT state FROM prior) AS prior, upd.* FROM (SELECT 1) one LEFT JOIN upd ON true'
type GuardedRow = Campaign & { prior: CampaignState | null }

type Queryable = pg.Pool | pg.PoolClient

export class CampaignStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Stores a draft; the spec is checked by actions/campaigns/policy.ts checkCampaignSpec first. */
  async create (spec: CampaignSpec): Promise<Campaign> {
    try {
      const res = await this.pool.query<Campaign>(
        `WITH ins AS (
           INSERT INTO campaigns (id, name, body, cohort, waves, min_success_rate, failure_threshold, command_ttl_ms, state, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9) RETURNING *),
         ev AS (INSERT INTO campaign_events (campaign_id, state, wave, by) SELECT id, state, 0, created_by FROM ins)
         SELECT ${CAMPAIGN_COLUMNS} FROM ins`,
        [spec.id, spec.name, JSON.stringify(spec.body), JSON.stringify(spec.cohort), spec.waves ?? DEFAULT_WAVES,
          spec.minSuccessRate ?? DEFAULT_MIN_SUCCESS_RATE, spec.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD, spec.commandTtlMs ?? DEFAULT_CAMPAIGN_COMMAND_TTL_MS, spec.createdBy])
      return res.rows[0] as Campaign
    } catch (err) {
      if ((err as { code?: unknown }).code === '23505') throw new PitwallError('PITWALL_ERR_CAMPAIGN_EXISTS', `campaign ${spec.id} exists already; a new campaign needs a new id`)
      throw err
    }
  }

  async get (id: string): Promise<Campaign> {
    const found = (await this.pool.query<Campaign>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1`, [id])).rows[0]
    if (found === undefined) throw unknownCampaign(id)
    return found
  }

  async list (state?: CampaignState): Promise<Campaign[]> {
    return (await this.pool.query<Campaign>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE ($1::text IS NULL OR state = $1) ORDER BY created_at DESC`, [state ?? null])).rows
  }

  /**
   * Moves the campaign to the start transition's state, resolves the cohort,
   * gives every vehicle its wave and queues the first wave's commands, in one
   * transaction. Returns the vehicles of the cohort.
   */
  async start (id: string, by: string): Promise<{ campaign: Campaign, vehicles: number, queued: number[] }> {
    const transition = CAMPAIGN_TRANSITIONS.start
    return await inTransaction(this.pool, async (client) => {
      // the guarded update also locks the row until the cohort is resolved
      const res = await client.query<GuardedRow>(
        `WITH prior AS (SELECT state FROM campaigns WHERE id = $1),
         upd AS (UPDATE campaigns SET state = $2, current_wave = 0, state_reason = NULL, updated_at = now()
           WHERE id = $1 AND state = ANY ($3::text[]) RETURNING ${CAMPAIGN_COLUMNS})
         ${GUARDED}`, [id, transition.to, transition.from])
      const c = moved(id, transition, res.rows[0])
      const firmware = (c.cohort.firmware ?? []).map((f) => f.endsWith('*') ? f.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%' : f.replace(/[\\%_]/g, '\\$&'))
      const assigned = await client.query<{ n: number }>(
        `WITH cohort AS (
           SELECT v.id, row_number() OVER (ORDER BY md5($1 || v.vin)) AS rank, count(*) OVER () AS total
           FROM vehicles v
           WHERE (cardinality($2::text[]) = 0 OR v.model = ANY ($2::text[]))
             AND (cardinality($3::text[]) = 0 OR v.firmware LIKE ANY ($3::text[]))
             AND (cardinality($4::text[]) = 0 OR v.vin = ANY ($4::text[]))
             AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM faults f WHERE f.vehicle_id = v.id AND f.rule_id = $5 AND f.state = ANY ($7::text[])))),
         waved AS (
           -- the first wave whose cumulative share covers the vehicle's rank (at least one vehicle per wave when there are enough)
           SELECT id, (SELECT min(k - 1) FROM generate_subscripts($6::float8[], 1) AS k WHERE rank <= greatest(k, ceil(($6::float8[])[k] * total))) AS wave
           FROM cohort),
         ins AS (INSERT INTO campaign_vehicles (campaign_id, vehicle_id, wave) SELECT $1, id, wave FROM waved RETURNING 1)
         SELECT count(*) AS n FROM ins`,
        [id, c.cohort.models ?? [], firmware, c.cohort.vins ?? [], c.cohort.openFaultRule ?? null, c.waves, ACTIVE_FAULT_STATES])
      const vehicles = assigned.rows[0]?.n ?? 0
      // thrown inside the transaction: the campaign stays a draft
      if (vehicles === 0) throw new PitwallError('PITWALL_ERR_CAMPAIGN_INVALID', `campaign ${id}: no vehicle matches its cohort ${JSON.stringify(c.cohort)}`)
      await client.query('INSERT INTO campaign_events (campaign_id, state, wave, by, detail) VALUES ($1, $2, 0, $3, $4)', [id, c.state, by, JSON.stringify({ vehicles })])
      const queued = await queueWave(client, c, 0)
      return { campaign: c, vehicles, queued }
    })
  }

  async pause (id: string, by: string, reason: string): Promise<Campaign> {
    return await this.move(id, CAMPAIGN_TRANSITIONS.pause, by, reason)
  }

  /** Resumes a paused campaign; returns it and the vehicles whose held commands may go now. */
  async resume (id: string, by: string): Promise<{ campaign: Campaign, vehicles: number[] }> {
    const c = await this.move(id, CAMPAIGN_TRANSITIONS.resume, by, null)
    const res = await this.pool.query<{ vehicleId: number }>(`SELECT vehicle_id AS "vehicleId" FROM commands WHERE campaign_id = $1 AND state = 'queued'`, [id])
    return { campaign: c, vehicles: res.rows.map((r) => r.vehicleId) }
  }

  /** Stops the campaign for good: its unsent commands are cancelled. */
  async abort (id: string, by: string, reason: string): Promise<Campaign> {
    return await inTransaction(this.pool, async (client) => {
      const c = await this.move(id, CAMPAIGN_TRANSITIONS.abort, by, reason, client)
      const cancel = COMMAND_TRANSITIONS.cancel
      await client.query(
        `WITH upd AS (UPDATE commands SET state = $3::text, updated_at = now()
           WHERE campaign_id = $1 AND state = ANY ($4::text[]) RETURNING id)
         INSERT INTO command_events (command_id, state, by, detail) SELECT id, $3::text, $2, 'campaign aborted' FROM upd`, [id, by, cancel.to, cancel.from])
      return c
    })
  }

  /**
   * Moves the campaign along `transition` and records who did it and why, in
   * one statement that matches only while the campaign is in one of
   * `transition.from`: PITWALL_ERR_CAMPAIGN_TRANSITION when it is not (any
   * more), PITWALL_ERR_CAMPAIGN_UNKNOWN when there is no such campaign.
   */
  async move (id: string, transition: CampaignTransition, by: string, reason: string | null, client: Queryable = this.pool): Promise<Campaign> {
    const res = await client.query<GuardedRow>(
      `WITH prior AS (SELECT state FROM campaigns WHERE id = $1),
       upd AS (UPDATE campaigns SET state = $2, state_reason = $5, updated_at = now() WHERE id = $1 AND state = ANY ($3::text[]) RETURNING ${CAMPAIGN_COLUMNS}),
       ev AS (INSERT INTO campaign_events (campaign_id, state, wave, by, detail)
         SELECT id, state, "currentWave", $4, CASE WHEN $5::text IS NULL THEN NULL ELSE jsonb_build_object('reason', $5::text) END FROM upd)
       ${GUARDED}`,
      [id, transition.to, transition.from, by, reason])
    return moved(id, transition, res.rows[0])
  }

  /**
   * Starts wave `wave` of a campaign still in `from` with wave `wave - 1` out
   * (the state the runner judged it in), records it and queues its commands,
   * in one transaction. Returns the vehicles given a command, or undefined
   * when another pass or an engineer moved the campaign meanwhile.
   */
  async startWave (id: string, from: CampaignState, wave: number, by: string, detail: Record<string, unknown>): Promise<number[] | undefined> {
    return await inTransaction(this.pool, async (client) => {
      const res = await client.query<Campaign>(
        `UPDATE campaigns SET current_wave = $4, updated_at = now() WHERE id = $1 AND state = $2 AND current_wave = $3 RETURNING ${CAMPAIGN_COLUMNS}`,
        [id, from, wave - 1, wave])
      const c = res.rows[0]
      if (c === undefined) return undefined
      await client.query(`INSERT INTO campaign_events (campaign_id, state, wave, by, detail) VALUES ($1, 'wave_started', $2, $3, $4)`,
        [id, wave, by, JSON.stringify(detail)])
      return await queueWave(client, c, wave)
    })
  }

  async progress (id: string): Promise<CampaignProgress> {
    const c = await this.get(id)
    const res = await this.pool.query<{ wave: number, vehicles: number, commands: WaveProgress['commands'], succeeded: number, failed: number, finished: number }>(
      `SELECT wave, sum(n)::int AS vehicles, COALESCE(jsonb_object_agg(state, n) FILTER (WHERE state IS NOT NULL), '{}') AS commands,
         COALESCE(sum(n) FILTER (WHERE state = 'succeeded'), 0)::int AS succeeded,
         COALESCE(sum(n) FILTER (WHERE state = ANY ($2::text[])), 0)::int AS failed,
         COALESCE(sum(n) FILTER (WHERE state = ANY ($3::text[])), 0)::int AS finished
       FROM (SELECT cv.wave, cmd.state, count(*)::int AS n
         FROM campaign_vehicles cv LEFT JOIN commands cmd ON cmd.campaign_id = cv.campaign_id AND cmd.vehicle_id = cv.vehicle_id
         WHERE cv.campaign_id = $1 GROUP BY cv.wave, cmd.state) by_state
       GROUP BY wave`, [id, FAILED_COMMAND_STATES, FINAL_COMMAND_STATES])
    const counted = new Map(res.rows.map((r) => [r.wave, r]))
    const waves: WaveProgress[] = c.waves.map((share, wave) => {
      const { vehicles, commands, succeeded, failed, finished } = counted.get(wave) ?? { vehicles: 0, commands: {}, succeeded: 0, failed: 0, finished: 0 }
      return { wave, share, vehicles, commands, succeeded, failed, finished }
    })
    return { campaign: c, vehicles: waves.reduce((a, w) => a + w.vehicles, 0), waves }
  }

  /** Per wave, the campaign's failed commands that finished before it last went running (its start or latest resume): the policy leaves them out. */
  async failedBeforeResume (id: string): Promise<Map<number, number>> {
    const res = await this.pool.query<{ wave: number, n: number }>(
      `SELECT cv.wave, count(*) AS n
       FROM campaign_vehicles cv JOIN commands c ON c.campaign_id = cv.campaign_id AND c.vehicle_id = cv.vehicle_id
       WHERE cv.campaign_id = $1 AND c.state = ANY ($2::text[])
         AND c.updated_at < (SELECT max(time) FROM campaign_events WHERE campaign_id = $1 AND state = $3)
       GROUP BY cv.wave`, [id, FAILED_COMMAND_STATES, ADVANCING_STATE])
    return new Map(res.rows.map((r) => [r.wave, r.n]))
  }

  async timeline (id: string): Promise<CampaignEvent[]> {
    await this.get(id)
    return (await this.pool.query<CampaignEvent>('SELECT time, state, wave, by, detail FROM campaign_events WHERE campaign_id = $1 ORDER BY id', [id])).rows
  }
}

/** The campaign a guarded move reached, or the refusal: no such campaign, or not in a state the move starts from. */
function moved (id: string, transition: CampaignTransition, row: GuardedRow | undefined): Campaign {
  // the LEFT JOIN's nulls: the update matched nothing
  if (row === undefined || (row.id as string | null) === null) throw refusedMove(CAMPAIGN_REFUSAL, id, row?.prior, transition, () => unknownCampaign(id))
  const { prior, ...campaign } = row
  return campaign
}

const CAMPAIGN_REFUSAL = cannotMove('PITWALL_ERR_CAMPAIGN_TRANSITION', 'campaign')

/** Queues the commands of one wave; returns the vehicles given one. */
async function queueWave (client: pg.PoolClient, c: Campaign, wave: number): Promise<number[]> {
  const res = await client.query<{ vehicleId: number }>(
    `WITH ins AS (
       INSERT INTO commands (id, vehicle_id, body, state, expires_at, requested_by, campaign_id, next_send_at)
       SELECT gen_random_uuid()::text, cv.vehicle_id, $3, 'queued', now() + $4 * interval '1 millisecond', 'campaign:' || $1, $1, now()
       FROM campaign_vehicles cv WHERE cv.campaign_id = $1 AND cv.wave = $2
       ON CONFLICT DO NOTHING RETURNING id, vehicle_id, requested_by),
     ev AS (INSERT INTO command_events (command_id, state, by) SELECT id, 'queued', requested_by FROM ins)
     SELECT vehicle_id AS "vehicleId" FROM ins`, [c.id, wave, JSON.stringify(c.body), c.commandTtlMs])
  return res.rows.map((r) => r.vehicleId)
}

function unknownCampaign (id: string): PitwallError {
  return new PitwallError('PITWALL_ERR_CAMPAIGN_UNKNOWN', `no campaign ${JSON.stringify(id)} (pitwall campaigns list shows them)`)
}
