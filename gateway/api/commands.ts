/**
 * Signed commands to vehicles over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   POST /api/v1/commands                  engineer: queue one for a vehicle (201); diagnostic.logUpload
 *                                          asks for a log of a window, uploaded and replayed (./logs.ts)
 *   GET  /api/v1/commands?vin=&state=&campaign=&fault=&limit=
 *                                          engineer, operator: newest first; state is
 *                                          comma-separated (state=pending_approval: the fixes
 *                                          waiting for an engineer)
 *   GET  /api/v1/commands/:id              engineer, operator: { command, timeline }
 *   POST /api/v1/commands/:id/approve      engineer: a command awaiting approval goes out
 *   POST /api/v1/commands/:id/cancel       engineer: withdraw one not yet sent { reason? }
 *
 * Only storage is touched: the gateway's dispatcher sends queued commands on
 * its next pass. Dealers get 403: commands act on vehicles. Errors are
 * { code, message }: 400 for the request (PITWALL_ERR_BAD_REQUEST, or
 * PITWALL_ERR_COMMAND_INVALID for both or neither of action and ota, a ttl
 * over 30 days), 404 for an unknown VIN, OTA package or command, 409 for a
 * move its state does not allow.
 */
import type { FastifyInstance } from 'fastify'
import { commandBody, type CommandRequest } from '../../actions/commands/body.js'
import { diagnosisOf } from '../../actions/commands/diagnosis.js'
import { DIAGNOSTIC_KINDS, diagnosticRequestOf, MAX_DIAGNOSTIC_TIMEOUT_MS, MIN_DIAGNOSTIC_TIMEOUT_MS, needsApproval } from '../../actions/commands/diagnostic-body.js'
import { COMMAND_STATES, COMMAND_TRANSITIONS, DEFAULT_COMMAND_TTL_MS, type CommandBody } from '../../actions/commands/model.js'
import { checkCommandTtl } from '../../actions/commands/policy.js'
import type { MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { parseDuration } from '../../decoders/duration.js'
import type { CommandStore } from '../../storage/commands.js'
import type { OtaPackageStore } from '../../storage/ota-packages.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { absentBodyIsEmpty, badRequest, listOf, MAX_ID, noBody, reasonBody, vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'
import { diagnosisSchema } from './diagnosis-schema.js'
import { LOG_KINDS } from '../../actions/logs/model.js'
import type { Command } from '../../actions/commands/model.js'
import { PitwallError } from '../../runtime/errors.js'
import type { LogUploads } from '../log-uploads.js'
import { isoTimeSchema, parseIsoTime } from './request-values.js'

export interface CommandRouteDeps {
  commands: CommandStore
  otaPackages: Pick<OtaPackageStore, 'get'>
  /** the maker DIDs of a vehicle's model (storage/manifests.ts makerDids): names its DID answers */
  makerDids: (vin: string) => Promise<MakerDid[]>
  /** queues log-upload commands with their uploads (../log-uploads.ts); absent: refused */
  logUploads?: Pick<LogUploads, 'request'> | undefined
}

const MAX_LIST = 1000

/** The JSON schema of a request's `action` and `ota` (exactly one of them; commandBody says which is missing). */
export const commandRequestProperties = {
  action: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      params: { type: 'object', additionalProperties: { type: 'string', maxLength: 1000 }, maxProperties: 50 }
    }
  },
  ota: {
    type: 'object',
    required: ['package', 'version'],
    additionalProperties: false,
    properties: { package: { type: 'string', minLength: 1, maxLength: 128 }, version: { type: 'string', minLength: 1, maxLength: 64 } }
  },
  diagnostic: {
    type: 'object',
    required: ['request'],
    additionalProperties: false,
    description: 'A diagnostic request to the vehicle\'s ECUs; the answers come back with the command (GET /api/v1/commands/:id, `diagnosis`)',
    properties: {
      request: {
        type: 'object',
        required: ['kind'],
        additionalProperties: false,
        description: 'What to ask; which other fields a kind needs is in decoders/diagnostics/request.ts (e.g. uds_read_did: dids; obd_read_pids: pids)',
        properties: {
          kind: { type: 'string', enum: DIAGNOSTIC_KINDS },
          statusMask: { type: 'integer', minimum: 0, maximum: 255 },
          dtc: { type: 'string', minLength: 5, maxLength: 8, description: 'SAE J2012, e.g. P0217 or P0217-1A' },
          record: { type: 'integer', minimum: 0, maximum: 255 },
          dids: {
            type: 'array',
            minItems: 1,
            maxItems: 8,
            description: 'numbers, hex text ("0x4001") or, for one vehicle, the names its model\'s decoder manifest gives its DIDs',
            items: { anyOf: [{ type: 'integer', minimum: 0, maximum: 0xffff }, { type: 'string', minLength: 1, maxLength: 100 }] }
          },
          group: { type: 'integer', minimum: 0, maximum: 0xffffff },
          pids: { type: 'array', minItems: 1, maxItems: 6, items: { type: 'integer', minimum: 0, maximum: 255 } },
          infoType: { type: 'integer', minimum: 0, maximum: 255 },
          service: { type: 'integer', enum: [0x03, 0x07, 0x0a] },
          hex: { type: 'string', minLength: 2, maxLength: 12285, pattern: '^[0-9A-Fa-f ]+$' }
        }
      },
      target: { type: 'integer', minimum: 1, maximum: 0x7ff, description: '11-bit CAN request id; default 0x7DF (2015), every OBD-II ECU' },
      timeoutMs: { type: 'integer', minimum: MIN_DIAGNOSTIC_TIMEOUT_MS, maximum: MAX_DIAGNOSTIC_TIMEOUT_MS }
    }
  }
} as const

/** `ttl: "12h"`: how long a command may wait to be started */
export const ttlProperty = { type: 'string', minLength: 1, maxLength: 20 } as const

/** A log of a time window, asked of one vehicle (not of a cohort): its bytes come by HTTP, then replay through the rules (./logs.ts). */
const logUploadRequest = {
  type: 'object',
  required: ['from', 'to', 'kind'],
  additionalProperties: false,
  description: 'a log of the window, uploaded by the T-box and replayed through the rules (GET /api/v1/logs/:id, `body.diagnostic.logUpload.logId`)',
  properties: { from: isoTimeSchema, to: isoTimeSchema, kind: { type: 'string', enum: LOG_KINDS } }
}

const sendBody = {
  type: 'object',
  required: ['vin'],
  additionalProperties: false,
  properties: {
    vin: vinSchema,
    ...commandRequestProperties,
    // one vehicle's: `request` or `logUpload`
    diagnostic: { ...commandRequestProperties.diagnostic, required: [], properties: { ...commandRequestProperties.diagnostic.properties, logUpload: logUploadRequest } },
    ttl: ttlProperty
  }
}
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    vin: vinSchema,
    state: { type: 'string', minLength: 1, maxLength: 200 },
    campaign: { type: 'string', minLength: 1, maxLength: 63 },
    fault: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST }
  }
}
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } }

/** What a command asks of the vehicle, as stored (actions/commands/model.ts CommandBody): one of ota, action, diagnostic. */
export const commandBodySchema = objectOf({
  ota: objectOf({ package: out.text, version: out.text, url: out.text, sha256: out.text, size: out.integer }),
  action: objectOf({ name: out.text, params: { type: 'object', additionalProperties: out.text } }),
  diagnostic: objectOf({ udsRequest: out.text, target: out.integer, timeoutMs: out.integer, logUpload: objectOf({ fromMs: out.number, toMs: out.number, kind: out.text, logId: out.integer }, ['logId']) }, ['udsRequest', 'target', 'timeoutMs', 'logUpload'])
}, ['ota', 'action', 'diagnostic'])

/** A command as stored (actions/commands/model.ts Command). */
export const commandSchema = objectOf({
  id: out.text,
  vehicleId: out.integer,
  vin: out.text,
  body: commandBodySchema,
  state: oneOfTexts(COMMAND_STATES),
  progress: orNull(out.number),
  detail: orNull(out.text),
  createdAt: out.time,
  expiresAt: out.time,
  updatedAt: out.time,
  attempts: out.integer,
  sentAt: orNull(out.time),
  nextSendAt: orNull(out.time),
  faultId: orNull(out.integer),
  campaignId: orNull(out.text),
  requestedBy: out.text,
  approvedBy: orNull(out.text),
  fixCheck: orNull(oneOfTexts(['pending', 'confirmed', 'not_confirmed'])),
  fixCheckedAt: orNull(out.time)
})

const commandListAnswer = objectOf({ commands: arrayOf(commandSchema) })
const commandAnswer = objectOf({
  command: commandSchema,
  diagnosis: orNull(diagnosisSchema),
  timeline: arrayOf(objectOf({ time: out.time, state: out.text, progress: orNull(out.number), detail: orNull(out.text), by: orNull(out.text) }))
})

/** The stored command body of a request's `action` or `ota`; one naming both or neither is a 400 (PITWALL_ERR_COMMAND_INVALID). */
export async function requestedCommandBody (packages: Pick<OtaPackageStore, 'get'>, request: CommandRequest, dids: readonly MakerDid[] = []): Promise<CommandBody> {
  return await commandBody(packages, request, { action: 'body.action', ota: 'body.ota', diagnostic: 'body.diagnostic' }, dids)
}

/** `"12h"` → ms, or the default when absent; `field` names it in the error. */
export function ttlMsOf (ttl: string | undefined, field: string, defaultMs: number): number {
  if (ttl === undefined) return defaultMs
  const seconds = parseDuration(ttl)
  if (seconds === undefined || seconds <= 0) throw badRequest(`${field} ${JSON.stringify(ttl)} is not a duration like 90s, 30m, 12h or 7d`)
  return Math.round(seconds * 1000)
}

/** A log-upload command with its upload reserved (../log-uploads.ts); nothing else may be named beside it. */
async function queueLogUpload (deps: CommandRouteDeps, body: CommandRequest, ask: { from: string, to: string, kind: string }, who: { vin: string, ttlMs: number, requestedBy: string }): Promise<Command> {
  if (deps.logUploads === undefined) throw new PitwallError('PITWALL_ERR_COMMAND_INVALID', 'this gateway takes no log uploads')
  const { request, target, timeoutMs } = body.diagnostic ?? {}
  if (body.action !== undefined || body.ota !== undefined || request !== undefined || target !== undefined || timeoutMs !== undefined) {
    throw new PitwallError('PITWALL_ERR_COMMAND_INVALID', 'body.diagnostic.logUpload is a command of its own: give no action, ota, or diagnostic request, target or timeoutMs beside it')
  }
  const fromMs = parseIsoTime(ask.from, 'body.diagnostic.logUpload.from').getTime()
  const toMs = parseIsoTime(ask.to, 'body.diagnostic.logUpload.to').getTime()
  return (await deps.logUploads.request({ ...who, fromMs, toMs, kind: ask.kind }, { from: 'body.diagnostic.logUpload.from', to: 'body.diagnostic.logUpload.to', kind: 'body.diagnostic.logUpload.kind' })).command
}

export function registerCommandRoutes (app: FastifyInstance, deps: CommandRouteDeps): void {
  const { commands, otaPackages } = deps
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  registerApiScope(app, 'command', (scope) => {
    scope.post<{ Body: CommandRequest & { vin: string, ttl?: string } }>('/api/v1/commands',
      { preValidation: engineers, schema: { summary: 'Queue a signed command for a vehicle', tags: ['commands'], body: sendBody, response: { 201: commandSchema, ...errorResponses(404) } } },
      async (request, reply) => {
        const vin = vinOf(request.body.vin, 'body.vin')
        const ttlMs = ttlMsOf(request.body.ttl, 'body.ttl', DEFAULT_COMMAND_TTL_MS)
        const logUpload = (request.body.diagnostic as { logUpload?: { from: string, to: string, kind: string } } | undefined)?.logUpload
        if (logUpload !== undefined) return await reply.code(201).send(await queueLogUpload(deps, request.body, logUpload, { vin, ttlMs, requestedBy: principalOf(request).name }))
        if (request.body.diagnostic !== undefined && request.body.diagnostic.request === undefined) throw badRequest('body.diagnostic needs the field "request" (or "logUpload")')
        const namesDids = request.body.diagnostic?.request.kind === 'uds_read_did' && request.body.diagnostic.request.dids.some((d) => typeof d === 'string')
        const body = await requestedCommandBody(otaPackages, request.body, namesDids ? await deps.makerDids(vin) : [])
        checkCommandTtl(ttlMs)
        const command = await commands.enqueue({ vin, body, ttlMs, requestedBy: principalOf(request).name, needsApproval: needsApproval(body) })
        return await reply.code(201).send(command)
      })

    scope.get<{ Querystring: { vin?: string, state?: string, campaign?: string, fault?: number, limit?: number } }>('/api/v1/commands',
      { preValidation: readers, schema: { summary: 'List commands, newest first', tags: ['commands'], querystring: listQuery, response: { 200: commandListAnswer } } },
      async (request) => {
        const { vin, state, campaign, fault, limit } = request.query
        return { commands: await commands.list({ vin: vin === undefined ? undefined : vinOf(vin, 'querystring.vin'), state: state === undefined ? undefined : listOf(state, COMMAND_STATES, 'querystring.state'), campaignId: campaign, faultId: fault, limit }) }
      })

    scope.get<{ Params: { id: string } }>('/api/v1/commands/:id',
      { preValidation: readers, schema: { summary: 'A command with its timeline', tags: ['commands'], params: idParams, response: { 200: commandAnswer } } },
      async (request) => {
        const { id } = request.params
        const command = await commands.get(id)
        const dids = diagnosticRequestOf(command.body) === undefined ? [] : await deps.makerDids(command.vin)
        return { command, timeline: await commands.timeline(id), diagnosis: diagnosisOf(command, await commands.responses(id), dids) }
      })

    scope.post<{ Params: { id: string } }>('/api/v1/commands/:id/approve',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Approve a command awaiting approval', tags: ['commands'], params: idParams, body: noBody, response: { 200: commandSchema, ...errorResponses(409) } } },
      async (request) => await commands.move(request.params.id, COMMAND_TRANSITIONS.approve, principalOf(request).name))

    scope.post<{ Params: { id: string }, Body: { reason?: string } }>('/api/v1/commands/:id/cancel',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Cancel a command not yet sent', tags: ['commands'], params: idParams, body: reasonBody, response: { 200: commandSchema, ...errorResponses(409) } } },
      async (request) => await commands.move(request.params.id, COMMAND_TRANSITIONS.cancel, principalOf(request).name, request.body.reason))
  })
}
