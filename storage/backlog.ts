/**
 * What the actions layer still has to do, counted for the operator's
 * metrics: fault actions not yet handled, commands by state (the ones a
 * vehicle still has to answer, and those waiting for an engineer), webhook
 * deliveries pending or dead, campaigns by state. Each count but the
 * campaigns' (a short table) reads a partial index of open rows only, so a
 * scrape stays cheap however much history is stored.
 */
import type pg from 'pg'
import { CAMPAIGN_STATES } from '../actions/campaigns/model.js'
import { OPEN_COMMAND_STATES } from '../actions/commands/model.js'

export interface ActionBacklog {
  faultActionsPending: number
  /**
   * pending fault actions that failed at least once (retrying): a failure
   * leaves its reason in last_error; attempts counts claims, so an action
   * being handled right now has one without having failed
   */
  faultActionsRetrying: number
  /** commands in each open state: pending_approval, queued, sent, accepted, in_progress */
  commands: Record<string, number>
  webhooksPending: number
  webhookDeadLetters: number
  campaigns: Record<string, number>
}

const BACKLOG_SQL = `
  SELECT 'fault_actions' AS what, CASE WHEN last_error IS NOT NULL THEN 'retrying' ELSE 'pending' END AS state, count(*)::int AS n
    FROM fault_actions WHERE done_at IS NULL GROUP BY 2
  UNION ALL SELECT 'commands', state, count(*)::int FROM commands WHERE state IN ('queued', 'sent', 'accepted', 'in_progress') GROUP BY 2
  UNION ALL SELECT 'commands', 'pending_approval', count(*)::int FROM commands WHERE state = 'pending_approval'
  UNION ALL SELECT 'webhooks', state, count(*)::int FROM webhook_deliveries WHERE state IN ('pending', 'dead') GROUP BY 2
  UNION ALL SELECT 'campaigns', state, count(*)::int FROM campaigns GROUP BY 2`

export async function readActionBacklog (pool: pg.Pool): Promise<ActionBacklog> {
  const res = await pool.query<{ what: string, state: string, n: number }>(BACKLOG_SQL)
  const backlog: ActionBacklog = {
    faultActionsPending: 0,
    faultActionsRetrying: 0,
    commands: Object.fromEntries(OPEN_COMMAND_STATES.map((s) => [s, 0])),
    webhooksPending: 0,
    webhookDeadLetters: 0,
    campaigns: Object.fromEntries(CAMPAIGN_STATES.map((s) => [s, 0]))
  }
  for (const { what, state, n } of res.rows) {
    if (what === 'fault_actions') {
      // retrying ones are pending too
      backlog.faultActionsPending += n
      if (state === 'retrying') backlog.faultActionsRetrying = n
    } else if (what === 'commands') backlog.commands[state] = n
    else if (what === 'webhooks') {
      if (state === 'pending') backlog.webhooksPending = n
      else backlog.webhookDeadLetters = n
    } else backlog.campaigns[state] = n
  }
  return backlog
}
