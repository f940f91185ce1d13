/**
 * Faults over HTTP, the engineer's side of their lifecycle (needs
 * registerApiAuth, see ./auth.ts):
 *
 *   GET  /api/v1/faults?vin=&state=a,b&rule=&limit=   engineer, operator: newest first
 *   GET  /api/v1/faults/:id                            engineer, operator: the fault with its
 *        evidence, its timeline, and what it set off: the remote fix command, the dealer
 *        alerts (with their status) and the cases made from it, so one read answers "what
 *        happened about this fault"
 *   POST /api/v1/faults/:id/acknowledge                engineer
 *   POST /api/v1/faults/:id/resolve { note? }          engineer
 *
 * POST /api/v1/faults/:id/case (a resolved fault into the case base) is in
 * ./cases.ts. Dealers get 403: they see a fault through their alert only.
 */
import type { FastifyInstance } from 'fastify'
import { DEALER_ALERT_KINDS, DEALER_ALERT_STATUSES } from '../../actions/dealer-alerts/model.js'
import { FAULT_STATES } from '../../rules/fault-lifecycle.js'
import type { CaseStore } from '../../storage/cases.js'
import type { CommandStore } from '../../storage/commands.js'
import type { DealerAlertStore } from '../../storage/dealer-alerts.js'
import type { FaultStore } from '../../storage/faults.js'
import { principalOf, requireRole } from './auth.js'
import { commandSchema } from './commands.js'
import { alertRoutingSchema } from './inbox.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { partsSchema } from './part-schema.js'
import { absentBodyIsEmpty, bigintIdParams, listOf, noBody, vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface FaultRouteDeps {
  faults: FaultStore
  commands: Pick<CommandStore, 'list'>
  dealerAlerts: Pick<DealerAlertStore, 'forFault'>
  cases: Pick<CaseStore, 'madeFrom'>
}

const MAX_LIST = 1000

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    vin: vinSchema,
    state: { type: 'string', minLength: 1, maxLength: 100 },
    rule: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST }
  }
}
const resolveBody = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } } }

/** A freeze-frame sample (a value that was NaN reads back as null). */
const evidenceSchema = arrayOf(objectOf({ signal: out.text, t: out.number, value: orNull(out.number) }))

/** A rule's action (rules/model.ts RuleAction): `type` says which of the other fields it has. */
export const ruleActionSchema = objectOf({
  type: oneOfTexts(['remote_fix', 'dealer_prestage', 'rescue', 'service_reminder']),
  command: oneOfTexts(['ota', 'remote_action']),
  package: out.text,
  version: out.text,
  name: out.text,
  params: { type: 'object', additionalProperties: out.text },
  approval: oneOfTexts(['auto', 'engineer']),
  parts: partsSchema,
  repairHours: out.number,
  fix: out.text,
  task: out.text
}, ['command', 'package', 'version', 'name', 'params', 'approval', 'parts', 'repairHours', 'fix', 'task'])

/** A fault as stored (rules/fault-lifecycle.ts Fault). */
export const faultSchema = objectOf({
  id: out.integer,
  vehicleId: out.integer,
  vin: out.text,
  ruleId: out.text,
  ruleVersion: out.text,
  severity: oneOfTexts(['critical', 'major', 'minor', 'info']),
  state: oneOfTexts(FAULT_STATES),
  openedAt: out.time,
  lastOccurredAt: out.time,
  occurrences: out.integer,
  clearedAt: orNull(out.time),
  acknowledgedAt: orNull(out.time),
  acknowledgedBy: orNull(out.text),
  resolvedAt: orNull(out.time),
  resolvedBy: orNull(out.text),
  resolutionNote: orNull(out.text),
  evidence: evidenceSchema,
  action: orNull(ruleActionSchema),
  caseId: orNull(out.text)
})

const faultListAnswer = objectOf({ faults: arrayOf(faultSchema) })
const faultAnswer = objectOf({
  fault: faultSchema,
  timeline: arrayOf(objectOf({
    time: out.time,
    type: { type: 'string', description: 'opened, reoccurred, cleared, acknowledged, resolved, fixed_remotely or remote_fix_not_confirmed' },
    by: orNull(out.text),
    detail: orNull(out.json)
  })),
  remoteFixes: arrayOf(commandSchema),
  dealerAlerts: arrayOf(objectOf({
    id: out.integer,
    dealerId: out.text,
    kind: oneOfTexts(DEALER_ALERT_KINDS),
    routing: alertRoutingSchema,
    status: oneOfTexts(DEALER_ALERT_STATUSES),
    firstTimeFix: orNull(out.boolean),
    createdAt: out.time,
    updatedAt: out.time
  })),
  cases: { ...arrayOf(objectOf({ id: out.text, title: out.text })), description: 'the cases made from this fault (POST /api/v1/faults/{id}/case); `fault.caseId` is the case its rule names' }
})

export function registerFaultRoutes (app: FastifyInstance, deps: FaultRouteDeps): void {
  const { faults, commands, dealerAlerts, cases } = deps
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  registerApiScope(app, 'fault', (scope) => {
    scope.get<{ Querystring: { vin?: string, state?: string, rule?: string, limit?: number } }>('/api/v1/faults',
      { preValidation: readers, schema: { summary: 'List faults, newest first', tags: ['faults'], querystring: listQuery, response: { 200: faultListAnswer } } },
      async (request) => {
        const { vin, state, rule, limit } = request.query
        return {
          faults: await faults.list({
            vin: vin === undefined ? undefined : vinOf(vin, 'querystring.vin'),
            state: state === undefined ? undefined : listOf(state, FAULT_STATES, 'querystring.state'),
            ruleId: rule,
            limit
          })
        }
      })

    scope.get<{ Params: { id: number } }>('/api/v1/faults/:id',
      { preValidation: readers, schema: { summary: 'A fault with its timeline, remote fixes, dealer alerts and the cases made from it', tags: ['faults'], params: bigintIdParams, response: { 200: faultAnswer } } },
      async (request) => {
        const { id } = request.params
        const fault = await faults.get(id)
        const [timeline, remoteFixes, alerts, made] = [await faults.timeline(id), await commands.list({ faultId: id }), await dealerAlerts.forFault(id), await cases.madeFrom(id)]
        return {
          fault,
          timeline,
          remoteFixes,
          // the inbox state, not the alert's content: that is the fault seen from the dealer's side
          dealerAlerts: alerts.map((a) => ({ id: a.id, dealerId: a.dealerId, kind: a.kind, routing: a.routing, status: a.status, firstTimeFix: a.firstTimeFix, createdAt: a.createdAt, updatedAt: a.updatedAt })),
          cases: made
        }
      })

    scope.post<{ Params: { id: number } }>('/api/v1/faults/:id/acknowledge',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Acknowledge an open fault', tags: ['faults'], params: bigintIdParams, body: noBody, response: { 200: faultSchema, ...errorResponses(409) } } },
      async (request) => await faults.acknowledge(request.params.id, principalOf(request).name))

    scope.post<{ Params: { id: number }, Body: { note?: string } }>('/api/v1/faults/:id/resolve',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Resolve a fault, with a note', tags: ['faults'], params: bigintIdParams, body: resolveBody, response: { 200: faultSchema, ...errorResponses(409) } } },
      async (request) => await faults.resolve(request.params.id, principalOf(request).name, request.body.note))
  })
}
