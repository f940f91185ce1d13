/**
 * OTA and remote-action campaigns over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   POST /api/v1/campaigns                 engineer: create a draft (201)
 *   GET  /api/v1/campaigns?state=          engineer, operator: newest first
 *   GET  /api/v1/campaigns/:id             engineer, operator: { campaign, vehicles, waves, timeline }
 *   POST /api/v1/campaigns/:id/start       engineer: resolve the cohort, queue the first wave
 *   POST /api/v1/campaigns/:id/pause       engineer: hold its unsent commands { reason? }
 *   POST /api/v1/campaigns/:id/resume      engineer
 *   POST /api/v1/campaigns/:id/abort       engineer: cancel its unsent commands { reason? }
 *
 * The four moves answer what GET /:id does, so the caller sees the state it
 * reached, its waves and who did what. Only storage is touched: the gateway's
 * campaign runner starts the next waves. Dealers get 403. Errors are
 * { code, message }: 400 PITWALL_ERR_BAD_REQUEST (the request's shape) or
 * PITWALL_ERR_CAMPAIGN_INVALID (waves, rates, cohort, ttl; each field named),
 * 404 for an unknown campaign or OTA package, 409 for a taken id or a move
 * its state does not allow.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { CAMPAIGN_STATES, CAMPAIGN_TRANSITIONS, DEFAULT_CAMPAIGN_COMMAND_TTL_MS, MAX_CAMPAIGN_ID_LENGTH, MAX_CAMPAIGN_WAVES, MAX_COHORT_ENTRIES, type Cohort } from '../../actions/campaigns/model.js'
import { checkCampaignSpec } from '../../actions/campaigns/policy.js'
import type { CommandRequest } from '../../actions/commands/body.js'
import { needsApproval } from '../../actions/commands/diagnostic-body.js'
import type { CampaignStore } from '../../storage/campaigns.js'
import type { OtaPackageStore } from '../../storage/ota-packages.js'
import { principalOf, requireRole } from './auth.js'
import { commandBodySchema, commandRequestProperties, requestedCommandBody, ttlMsOf, ttlProperty } from './commands.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { absentBodyIsEmpty, badRequest, noBody, oneOf, reasonBody, vinOf } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface CampaignRouteDeps {
  campaigns: CampaignStore
  otaPackages: Pick<OtaPackageStore, 'get'>
}

interface CreateBody extends CommandRequest {
  id: string
  name: string
  cohort: Cohort
  waves?: number[]
  minSuccessRate?: number
  failureThreshold?: number
  ttl?: string
}

const texts = (maxLength: number): object => ({ type: 'array', maxItems: MAX_COHORT_ENTRIES, items: { type: 'string', minLength: 1, maxLength } })
// shares, rates and their ranges are checked by the policy (actions/campaigns/policy.ts campaignProblems), which names each field
const createBody = {
  type: 'object',
  required: ['id', 'name', 'cohort'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: MAX_CAMPAIGN_ID_LENGTH },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    ...commandRequestProperties,
    cohort: {
      type: 'object',
      additionalProperties: false,
      properties: { models: texts(100), firmware: texts(100), openFaultRule: { type: 'string', minLength: 1, maxLength: 200 }, vins: texts(64) }
    },
    waves: { type: 'array', minItems: 1, maxItems: MAX_CAMPAIGN_WAVES, items: { type: 'number' } },
    minSuccessRate: { type: 'number' },
    failureThreshold: { type: 'number' },
    ttl: ttlProperty
  }
}
const listQuery = { type: 'object', additionalProperties: false, properties: { state: { type: 'string', minLength: 1, maxLength: 20 } } }
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: MAX_CAMPAIGN_ID_LENGTH } } }

const campaignSchema = objectOf({
  id: out.text,
  name: out.text,
  body: commandBodySchema,
  cohort: objectOf({ models: out.texts, firmware: out.texts, openFaultRule: out.text, vins: out.texts }, ['models', 'firmware', 'openFaultRule', 'vins']),
  waves: { type: 'array', items: out.number, description: 'cumulative shares of the cohort, ascending, ending at 1' },
  minSuccessRate: out.number,
  failureThreshold: out.number,
  commandTtlMs: out.integer,
  state: oneOfTexts(CAMPAIGN_STATES),
  currentWave: { ...out.integer, description: 'index into waves of the wave whose commands are out (0 before start)' },
  stateReason: orNull(out.text),
  createdBy: out.text,
  createdAt: out.time,
  updatedAt: out.time
})
/** What GET /:id and the moves answer. */
const campaignView = objectOf({
  campaign: campaignSchema,
  vehicles: out.integer,
  waves: arrayOf(objectOf({
    wave: out.integer,
    share: out.number,
    vehicles: out.integer,
    commands: { type: 'object', additionalProperties: out.integer, description: 'commands by state (absent: not queued yet)' },
    succeeded: out.integer,
    failed: { ...out.integer, description: 'failed, rejected or expired' },
    finished: out.integer
  })),
  timeline: arrayOf(objectOf({ time: out.time, state: out.text, wave: out.integer, by: orNull(out.text), detail: orNull(out.json) }))
})

export function registerCampaignRoutes (app: FastifyInstance, deps: CampaignRouteDeps): void {
  const { campaigns, otaPackages } = deps
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  /** What GET /:id answers: the campaign, its progress per wave and every step it took. */
  const view = async (id: string): Promise<object> => ({ ...await campaigns.progress(id), timeline: await campaigns.timeline(id) })

  registerApiScope(app, 'campaign', (scope) => {
    scope.post<{ Body: CreateBody }>('/api/v1/campaigns',
      { preValidation: engineers, schema: { summary: 'Create a draft campaign', tags: ['campaigns'], body: createBody, response: { 201: campaignSchema, ...errorResponses(404, 409) } } },
      async (request, reply: FastifyReply) => {
        const { id, name, cohort, waves, minSuccessRate, failureThreshold, ttl } = request.body
        const vins = cohort.vins?.map((v, i) => vinOf(v, `body.cohort.vins[${i}]`))
        const commandTtlMs = ttlMsOf(ttl, 'body.ttl', DEFAULT_CAMPAIGN_COMMAND_TTL_MS)
        const body = await requestedCommandBody(otaPackages, request.body)
        if (needsApproval(body)) throw badRequest('body.diagnostic: clearing DTCs or changing ECUs goes to one vehicle at a time, with an engineer\'s approval (POST /api/v1/commands), never to a cohort')
        const spec = {
          id, name, body, cohort: { ...cohort, ...(vins === undefined ? {} : { vins }) }, waves, minSuccessRate, failureThreshold, commandTtlMs, createdBy: principalOf(request).name
        }
        checkCampaignSpec(spec)
        const created = await campaigns.create(spec)
        return await reply.code(201).send(created)
      })

    scope.get<{ Querystring: { state?: string } }>('/api/v1/campaigns',
      { preValidation: readers, schema: { summary: 'List campaigns, newest first', tags: ['campaigns'], querystring: listQuery, response: { 200: objectOf({ campaigns: arrayOf(campaignSchema) }) } } },
      async (request) => {
        const { state } = request.query
        return { campaigns: await campaigns.list(state === undefined ? undefined : oneOf(state, CAMPAIGN_STATES, 'querystring.state')) }
      })

    scope.get<{ Params: { id: string } }>('/api/v1/campaigns/:id',
      { preValidation: readers, schema: { summary: 'A campaign with its progress per wave and its timeline', tags: ['campaigns'], params: idParams, response: { 200: campaignView } } },
      async (request) => await view(request.params.id))

    scope.post<{ Params: { id: string } }>('/api/v1/campaigns/:id/start',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Start a draft: resolve the cohort, queue the first wave', tags: ['campaigns'], params: idParams, body: noBody, response: { 200: campaignView, ...errorResponses(409) } } },
      async (request) => {
        await campaigns.start(request.params.id, principalOf(request).name)
        return await view(request.params.id)
      })

    scope.post<{ Params: { id: string } }>('/api/v1/campaigns/:id/resume',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Resume a paused campaign', tags: ['campaigns'], params: idParams, body: noBody, response: { 200: campaignView, ...errorResponses(409) } } },
      async (request) => {
        await campaigns.resume(request.params.id, principalOf(request).name)
        return await view(request.params.id)
      })

    for (const verb of ['pause', 'abort'] as const) {
      scope.post<{ Params: { id: string }, Body: { reason?: string } }>(`/api/v1/campaigns/:id/${verb}`,
        {
          preValidation: [engineers, absentBodyIsEmpty],
          schema: {
            summary: verb === 'pause' ? 'Pause a campaign: hold its unsent commands' : 'Abort a campaign: cancel its unsent commands',
            tags: ['campaigns'],
            params: idParams,
            body: reasonBody,
            response: { 200: campaignView, ...errorResponses(409) }
          }
        },
        async (request) => {
          const { id } = request.params
          const by = principalOf(request).name
          const reason = request.body.reason ?? `${CAMPAIGN_TRANSITIONS[verb].to} by ${by}`
          await (verb === 'pause' ? campaigns.pause(id, by, reason) : campaigns.abort(id, by, reason))
          return await view(id)
        })
    }
  })
}
