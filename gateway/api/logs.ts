/**
 * Vehicle logs over HTTP (needs registerApiAuth, see ./auth.ts). An engineer
 * asks a vehicle for one with POST /api/v1/commands { vin, diagnostic: {
 * logUpload: { from, to, kind } } } (./commands.ts); then:
 *
 *   PUT  /api/v1/uploads/:id             the T-box: a chunk of the log, Authorization: Bearer <its upload token>,
 *                                        Content-Range: bytes START-END/TOTAL (absent: the whole file)
 *   GET  /api/v1/uploads/:id (and HEAD)  the T-box: where its upload stands (Upload-Offset: where to resume)
 *   POST /api/v1/vehicles/:vin/logs?kind= engineer: upload a whole file for a vehicle (the body is the file)
 *   GET  /api/v1/vehicles/:vin/logs      engineer, operator: a vehicle's logs, newest first
 *   GET  /api/v1/logs/:id                engineer, operator: a log with its replay report
 *   POST /api/v1/logs/:id/replay         engineer: replay it again, with the current rules ({}; the report is kept)
 *                                        or a draft ({ text | rule, format? }; answered, not kept)
 *
 * Upload bodies are streams, not JSON: they go to disk as they arrive
 * (../log-uploads.ts), so these routes have a scope of their own whose only
 * body parser hands the request stream on. The upload routes take no API
 * token: the upload token, which opens one upload, is the credential. A
 * refusal while a body is still arriving closes the connection after the
 * answer, rather than reading the rest of a log it will not keep. Dealers
 * get 403: a log is a vehicle's whole bus traffic.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LOG_KINDS, LOG_STATES, type LogKind, type VehicleLog } from '../../actions/logs/model.js'
import { kindOfContentType } from '../../actions/logs/policy.js'
import type { RuleDefinition } from '../../rules/model.js'
import { PitwallError } from '../../runtime/errors.js'
import type { ManifestStore } from '../../storage/manifests.js'
import type { VehicleLogStore } from '../../storage/vehicle-logs.js'
import type { LogReplayer } from '../log-replayer.js'
import type { LogUploads, UploadStatus } from '../log-uploads.js'
import { ruleSignals } from '../manifests.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, noCredentials, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { absentBodyIsEmpty, badRequest, bigintIdParams, oneOf, vinOf, vinParams } from './request-values.js'
import { parseRuleInput, RULE_TEXT_FORMATS, ruleProblemsSchema, RuleTextError, type RuleTextFormat } from './rule-text.js'
import { registerApiScope } from './scope.js'

export interface LogRouteDeps {
  uploads: LogUploads
  replayer: LogReplayer
  logs: Pick<VehicleLogStore, 'get' | 'list'>
  manifests: ManifestStore
}

const DEFAULT_LIST = 50
const MAX_LIST = 500
const MAX_RULE_TEXT = 100_000

/** An error answer a route declares beside the shared ones (./openapi.ts covers 400 to 503 but these). */
function refusal (description: string): object {
  return { description, ...objectOf({ code: out.text, message: out.text }) }
}

const uploadStatusSchema = objectOf({
  id: out.integer,
  kind: oneOfTexts(LOG_KINDS),
  state: oneOfTexts(LOG_STATES),
  received: { ...out.integer, description: 'bytes the gateway holds: the next chunk starts here (also the Upload-Offset header)' },
  size: orNull(out.integer),
  sha256: orNull(out.text),
  maxBytes: out.integer,
  uploadExpiresAt: out.time
})

const logSchema = objectOf({
  id: out.integer,
  vin: out.text,
  commandId: orNull(out.text),
  kind: oneOfTexts(LOG_KINDS),
  state: oneOfTexts(LOG_STATES),
  from: orNull(out.time),
  to: orNull(out.time),
  received: out.integer,
  size: orNull(out.integer),
  sha256: orNull(out.text),
  uploadExpiresAt: out.time,
  uploadedBy: { ...out.text, description: '"vehicle" for a T-box\'s upload, else the engineer\'s token name' },
  requestedBy: out.text,
  detail: orNull(out.text),
  createdAt: out.time,
  completedAt: orNull(out.time),
  decodedAt: orNull(out.time)
})

const reportSchema = objectOf({
  rules: oneOfTexts(['current', 'draft']),
  ruleIds: out.texts,
  decodedWith: out.text,
  batches: out.integer,
  skippedBatches: { type: 'object', additionalProperties: out.integer, description: 'batches refused as ingest would refuse them, by code' },
  frames: out.integer,
  samples: { ...out.integer, description: 'samples the rules saw (CAN signals decoded, ULog fields mapped)' },
  unknownFrames: { ...out.integer, description: 'frames the manifest\'s DBCs do not describe' },
  nonDataFrames: { ...out.integer, description: 'remote and error frames' },
  badLines: out.integer,
  firstErrors: out.texts,
  topics: objectOf({ mapped: out.texts, skipped: { ...out.texts, description: 'ULog topics with data that feed no catalog signal' } }),
  firstMs: orNull(out.number),
  lastMs: orNull(out.number),
  clock: oneOfTexts(['log', 'gps', 'assumed']),
  events: arrayOf(objectOf({
    timeMs: out.number,
    ruleId: out.text,
    type: oneOfTexts(['opened', 'reoccurred', 'cleared']),
    severity: out.text,
    occurrences: out.integer,
    evidence: arrayOf(objectOf({ signal: out.text, t: out.number, value: out.number }))
  })),
  eventsTruncated: out.boolean,
  byRule: { type: 'object', additionalProperties: out.integer, description: 'faults (opened and reoccurred) per rule' },
  error: orNull(out.text),
  durationMs: out.integer
})

const logWithReportSchema = objectOf({ log: logSchema, report: orNull(reportSchema) })

const uploadTags = ['logs']
const listQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_LIST } } }
const engineerUploadQuery = { type: 'object', additionalProperties: false, properties: { kind: { type: 'string', enum: LOG_KINDS } } }
const replayBody = {
  type: 'object',
  additionalProperties: false,
  properties: { text: { type: 'string', maxLength: MAX_RULE_TEXT }, rule: { type: 'object' }, format: { type: 'string' } }
}
const refusalWithProblems = {
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  description: 'the request or the draft rule is invalid; `problems` locates each problem of a rule that does not check',
  properties: { code: out.text, message: out.text, problems: ruleProblemsSchema }
}

function logView (log: VehicleLog): object {
  return { ...log, from: log.fromMs === null ? null : new Date(log.fromMs), to: log.toMs === null ? null : new Date(log.toMs) }
}

/** A refusal while the body still arrives: answer, then close, instead of reading a log that will not be kept. */
async function closeIfUnread (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.raw.complete) reply.header('connection', 'close')
}

export function registerLogRoutes (app: FastifyInstance, deps: LogRouteDeps): void {
  const { uploads, replayer, logs } = deps
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  registerApiScope(app, 'upload', (scope) => {
    scope.removeAllContentTypeParsers()
    // the body stays the request stream: ../log-uploads.ts reads it to disk
    scope.addContentTypeParser('*', (_request, _payload, done) => { done(null) })
    scope.addHook('onSend', closeIfUnread)

    const answer = async (reply: FastifyReply, status: UploadStatus): Promise<UploadStatus> => {
      void reply.header('upload-offset', String(status.received))
      return status
    }

    scope.put<{ Params: { id: number } }>('/api/v1/uploads/:id', {
      schema: {
        summary: 'A T-box uploads (a chunk of) the log its command asked for',
        description: 'Authorization: Bearer <the command\'s upload_token>. The body is the log\'s bytes (Content-Type application/x-ulog, text/x-candump or ' +
          'application/octet-stream); Content-Range: bytes START-END/TOTAL places a chunk (START must be the bytes held, TOTAL may be * until the last ' +
          'chunk), without it the body is the whole file. The chunk reaching TOTAL completes the upload and spends the token.',
        tags: uploadTags,
        security: noCredentials,
        params: bigintIdParams,
        response: {
          200: uploadStatusSchema,
          ...errorResponses(409),
          401: refusal('no upload token, or one that does not open this upload (PITWALL_ERR_UPLOAD_TOKEN)'),
          403: refusal('the upload is complete (its token spent), failed, or its token expired (PITWALL_ERR_UPLOAD_SPENT, _EXPIRED)'),
          413: refusal('the log is over PITWALL_LOG_UPLOAD_MAX_BYTES; nothing of it is kept'),
          415: refusal('not a log, or not the kind asked for; the chunk is not kept')
        }
      }
    }, async (request, reply) => await answer(reply, await uploads.receive(request.params.id, request.headers.authorization, {
      contentType: request.headers['content-type'], contentRange: request.headers['content-range'], stream: request.raw
    })))

    scope.get<{ Params: { id: number } }>('/api/v1/uploads/:id', {
      schema: {
        summary: 'Where a T-box\'s upload stands (HEAD: the Upload-Offset header only)',
        description: 'Authorization: Bearer <the command\'s upload_token>. An interrupted upload resumes at `received`.',
        tags: uploadTags,
        security: noCredentials,
        params: bigintIdParams,
        response: {
          200: uploadStatusSchema,
          401: refusal('no upload token, or one that does not open this upload'),
          403: refusal('the upload failed or its token expired')
        }
      }
    }, async (request, reply) => await answer(reply, await uploads.status(request.params.id, request.headers.authorization)))

    scope.post<{ Params: { vin: string }, Querystring: { kind?: LogKind } }>('/api/v1/vehicles/:vin/logs', {
      preValidation: engineers,
      schema: {
        summary: 'Upload a log file for a vehicle (the body is the file); it is replayed through the rules',
        description: 'kind (ulog or candump) from the query, else from the Content-Type (application/x-ulog, text/x-candump or text/plain). One request, not resumable.',
        tags: uploadTags,
        params: vinParams,
        querystring: engineerUploadQuery,
        response: {
          201: logSchema,
          ...errorResponses(404, 409),
          413: refusal('the file is over PITWALL_LOG_UPLOAD_MAX_BYTES; nothing of it is kept'),
          415: refusal('not a log, or not the kind given; nothing of it is kept')
        }
      }
    }, async (request, reply) => {
      const vin = vinOf(request.params.vin, 'params.vin')
      const declared = kindOfContentType(request.headers['content-type'])
      const kind = request.query.kind ?? declared
      if (kind === undefined) throw badRequest('say which kind of log this is: querystring.kind (ulog or candump), or a Content-Type of application/x-ulog or text/x-candump')
      if (declared !== undefined && declared !== kind) throw new PitwallError('PITWALL_ERR_UPLOAD_TYPE', `Content-Type declares a ${declared} log; querystring.kind says ${kind}`)
      const log = await uploads.engineerUpload(vin, kind, principalOf(request).name, { contentType: request.headers['content-type'], stream: request.raw })
      return await reply.code(201).send(logView(log))
    })
  })

  registerApiScope(app, 'log', (scope) => {
    scope.get<{ Params: { vin: string }, Querystring: { limit?: number } }>('/api/v1/vehicles/:vin/logs', {
      preValidation: readers,
      schema: { summary: 'A vehicle\'s logs, newest first', tags: uploadTags, params: vinParams, querystring: listQuery, response: { 200: objectOf({ logs: arrayOf(logSchema) }) } }
    }, async (request) => ({ logs: (await logs.list(vinOf(request.params.vin, 'params.vin'), request.query.limit ?? DEFAULT_LIST)).map(logView) }))

    scope.get<{ Params: { id: number } }>('/api/v1/logs/:id', {
      preValidation: readers,
      schema: { summary: 'A vehicle log with its replay report', tags: uploadTags, params: bigintIdParams, response: { 200: logWithReportSchema } }
    }, async (request) => {
      const { report, ...log } = await logs.get(request.params.id)
      return { log: logView(log), report }
    })

    scope.post<{ Params: { id: number }, Body: { text?: string, rule?: Record<string, unknown>, format?: string } }>('/api/v1/logs/:id/replay', {
      preValidation: [engineers, absentBodyIsEmpty],
      schema: {
        summary: 'Replay a log through the current rules (the report is kept) or a draft rule (answered only)',
        tags: uploadTags,
        params: bigintIdParams,
        body: replayBody,
        response: { 200: objectOf({ log: logSchema, report: reportSchema }), 400: refusalWithProblems, ...errorResponses(409) }
      }
    }, async (request, reply) => {
      const { body } = request
      let draft: RuleDefinition[] | undefined
      try {
        draft = await draftOf(body, deps.manifests)
      } catch (err) {
        if (!(err instanceof RuleTextError)) throw err
        return await reply.code(400).send({ code: err.code, message: err.message, problems: err.problems })
      }
      const { log, report } = await replayer.replay(request.params.id, draft)
      const { report: _stored, ...plain } = log
      return { log: logView(plain), report }
    })
  })
}

/** A draft rule from a replay's body ({ text, format? } or { rule }); undefined for {}: the current rules. */
async function draftOf (body: { text?: string, rule?: Record<string, unknown>, format?: string }, manifests: ManifestStore): Promise<RuleDefinition[] | undefined> {
  if (body.text === undefined && body.rule === undefined) {
    if (body.format !== undefined) throw badRequest('body.format needs body.text')
    return undefined
  }
  if (body.text !== undefined && body.rule !== undefined) throw badRequest('body takes one of the fields "text" (YAML or JSON) or "rule" (an object), not both')
  const format = body.format === undefined ? 'yaml' : oneOf<RuleTextFormat>(body.format, RULE_TEXT_FORMATS, 'body.format')
  const source = body.text ?? body.rule as Record<string, unknown>
  return [parseRuleInput({ source, format, field: body.text === undefined ? 'body.rule' : 'body.text', signals: await ruleSignals(manifests), id: 'draft', idMustBe: false, enabled: true })]
}
