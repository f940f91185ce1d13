/**
 * Fault rules over HTTP (needs registerApiAuth, see ./auth.ts), as the
 * console's rule editor uses them; the same store, loader and backtest as
 * `pitwall rules apply|list|enable|disable|backtest`:
 *
 *   GET  /api/v1/rules                 engineer, operator: every stored rule, by id
 *   GET  /api/v1/rules/:id             engineer, operator: the rule, its text (YAML) and its versions
 *   PUT  /api/v1/rules/:id             engineer: {text, format?} or {rule}: a new version (201 when new)
 *   POST /api/v1/rules/:id/enable      engineer (no new version)
 *   POST /api/v1/rules/:id/disable     engineer
 *   POST /api/v1/rules/backtest        engineer: {rule, format?, vin?, from, to}: what a draft would have raised
 *
 * A saved rule reaches every running gateway the way a CLI change does: the
 * rule reloader polls the table's change token (gateway/rule-reloader.ts).
 * A rule that does not check is 400 PITWALL_ERR_RULE_FILE with `problems`
 * ({ path, message, line?, column? }, see ./rule-text.ts), so the editor can
 * show each beside its line. Dealers get 403.
 *
 * A backtest runs in the request, so it is bounded before it starts: at most
 * MAX_BACKTEST_DAYS between from and to, MAX_BACKTEST_VEHICLES vehicles
 * (named in `vin`, or found in the range) and MAX_BACKTEST_BATCHES batches;
 * past a cap it is a 400 naming the field to narrow. Batches are decoded as
 * ingest decoded them: with the stored manifest version that did, those no
 * manifest decoded with the gateway's --can-dbc default (PITWALL_CAN_DBC,
 * given by gateway/app.ts; without one only their OBD-II, edge signals,
 * GNSS and DTCs reach the rule), under the gateway's caps per batch.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { stringify } from 'yaml'
import type { BatchLimits } from '../../decoders/batch-limits.js'
import type { CompiledManifest } from '../../decoders/manifest/compile.js'
import type { RuleDefinition } from '../../rules/model.js'
import { ruleToFile } from '../../rules/to-file.js'
import { PitwallError } from '../../runtime/errors.js'
import type { Storage } from '../../storage/index.js'
import type { StoredRule } from '../../storage/rules.js'
import { runBacktest } from '../backtest.js'
import { ruleSignals, StoredManifests, storedCatalog } from '../manifests.js'
import { principalOf, requireRole } from './auth.js'
import { absentBodyIsEmpty, badRequest, isoTimeSchema, noBody, oneOf, parseIsoTime, vinOf, vinSchema } from './request-values.js'
import { parseRuleInput, RULE_TEXT_FORMATS, ruleProblemsSchema, ruleText, RuleTextError, type RuleTextFormat } from './rule-text.js'
import { registerApiScope } from './scope.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'

/** How this gateway's ingest decodes, so a backtest decodes alike. */
export interface IngestDecoding {
  /** the --can-dbc default (../default-manifest.ts), for batches no stored manifest decoded; absent: none */
  defaultManifest?: CompiledManifest | undefined
  /** the caps per batch (a stored batch over them is skipped, as ingest refused it); absent: the defaults */
  batchLimits?: Readonly<BatchLimits> | undefined
}

export interface RuleRouteDeps {
  storage: Pick<Storage, 'rules' | 'manifests' | 'archive'>
  decoding?: IngestDecoding | undefined
  /** after a change: the rule is in force on this node when the answer is sent */
  rulesChanged?: (() => Promise<void>) | undefined
}

export const MAX_BACKTEST_DAYS = 7
export const MAX_BACKTEST_VEHICLES = 20
export const MAX_BACKTEST_BATCHES = 100_000
/** events listed in a backtest's answer (every one is counted in byRule) */
export const MAX_BACKTEST_EVENTS = 1000
const MAX_TEXT = 100_000
const DAY_MS = 86_400_000

const TAGS = ['rules']
const ruleId = { type: 'string', minLength: 1, maxLength: 100 }
const idParams = { type: 'object', required: ['id'], properties: { id: ruleId } }
const ruleSource = {
  // checked by ./rule-text.ts: the rule file's schema, with each problem located
  text: { type: 'string', maxLength: MAX_TEXT },
  rule: { type: 'object' },
  format: { type: 'string' }
}
const putBody = { type: 'object', additionalProperties: false, properties: ruleSource }
const backtestBody = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    ...ruleSource,
    vin: { type: ['string', 'array'], maxLength: 64, items: vinSchema },
    from: isoTimeSchema,
    to: isoTimeSchema
  }
}

const severity = oneOfTexts(['critical', 'major', 'minor', 'info'])
const ruleProperties = {
  id: out.text,
  name: out.text,
  description: orNull(out.text),
  severity,
  version: out.text,
  enabled: out.boolean,
  updatedAt: out.time,
  condition: { ...out.text, description: '`when` on one line of the rule file\'s syntax, e.g. { signal: Vehicle.Speed, op: ">", value: 200 }' },
  action: { ...orNull(out.text), description: 'the action\'s type (remote_fix, dealer_prestage, rescue, service_reminder); null: none' },
  scope: objectOf({ models: out.texts, firmware: out.texts })
}
const ruleSummarySchema = objectOf(ruleProperties)
const ruleViewSchema = objectOf({
  ...ruleProperties,
  text: { ...out.text, description: 'the rule as its file would say it (YAML, without `enabled`), for an editor' },
  file: { ...out.json, description: 'the same as an object (the JSON form)' },
  versions: arrayOf(objectOf({ version: out.text, appliedAt: out.time }))
})
/** A 400: the error body, with each problem located when a rule does not check. */
const refusalSchema = {
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  description: 'the request or the rule is invalid; `problems` locates each problem of a rule that does not check',
  properties: { code: out.text, message: out.text, problems: ruleProblemsSchema }
}
const backtestSchema = objectOf({
  from: out.time,
  to: out.time,
  vehicles: out.integer,
  batches: out.integer,
  skippedBatches: { ...out.integer, description: 'batches ingest refused, not read' },
  decodedWith: { type: 'object', additionalProperties: out.integer, description: 'batches per decoder manifest ("demo-ev@2", "none")' },
  byRule: { type: 'object', additionalProperties: out.integer, description: 'faults (opened and reoccurred) per rule' },
  events: arrayOf(objectOf({
    time: out.time,
    vin: out.text,
    ruleId: out.text,
    type: oneOfTexts(['opened', 'reoccurred', 'cleared']),
    severity,
    occurrences: out.integer,
    evidence: arrayOf(objectOf({ signal: out.text, t: out.number, value: out.number }))
  })),
  eventsTruncated: { ...out.boolean, description: `more than ${MAX_BACKTEST_EVENTS} events happened; the first ones are listed` }
})

interface RuleBody { text?: string, rule?: Record<string, unknown>, format?: string }

function summary (r: Pick<StoredRule, 'updatedAt' | 'enabled' | 'version' | 'definition'>): object {
  const def = r.definition
  return {
    id: def.id,
    name: def.name,
    description: def.description ?? null,
    severity: def.severity,
    version: r.version,
    enabled: r.enabled,
    updatedAt: r.updatedAt,
    condition: stringify(ruleToFile(def).when, { collectionStyle: 'flow', lineWidth: 0 }).trim(),
    action: def.action?.type ?? null,
    scope: def.scope
  }
}

export function registerRuleRoutes (app: FastifyInstance, deps: RuleRouteDeps): void {
  const { rules, manifests, archive } = deps.storage
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  async function stored (id: string): Promise<StoredRule> {
    const rule = (await rules.list()).find((r) => r.id === id)
    if (rule === undefined) throw new PitwallError('PITWALL_ERR_RULE_UNKNOWN', `no rule ${id}`)
    return rule
  }

  async function view (id: string): Promise<object> {
    const rule = await stored(id)
    const versions = (await rules.history(id)).map((v) => ({ version: v.version, appliedAt: v.appliedAt }))
    return { ...summary(rule), text: ruleText(rule.definition), file: ruleToFile(rule.definition), versions }
  }

  /** The rule a PUT or backtest body describes; a RuleTextError (400 with problems) when it does not check. */
  async function ruleOf (body: RuleBody, defaults: { id: string, idMustBe: boolean, enabled: boolean }): Promise<RuleDefinition> {
    if ((body.text === undefined) === (body.rule === undefined)) throw badRequest('body needs one of the fields "text" (YAML or JSON) or "rule" (an object)')
    const format = body.format === undefined ? 'yaml' : oneOf<RuleTextFormat>(body.format, RULE_TEXT_FORMATS, 'body.format')
    const source = body.text ?? body.rule as Record<string, unknown>
    return parseRuleInput({ source, format, field: body.text === undefined ? 'body.rule' : 'body.text', signals: await ruleSignals(manifests), ...defaults })
  }

  /** A rule that does not check answers with its problems; anything else goes to the scope's error handler. */
  async function orProblems (reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
    try {
      return await work()
    } catch (err) {
      if (!(err instanceof RuleTextError)) throw err
      return await reply.code(400).send({ code: err.code, message: err.message, problems: err.problems })
    }
  }

  registerApiScope(app, 'rule', (scope) => {
    scope.get('/api/v1/rules',
      { preValidation: readers, schema: { summary: 'Every stored rule', tags: TAGS, response: { 200: objectOf({ rules: arrayOf(ruleSummarySchema) }) } } },
      async () => ({ rules: (await rules.list()).map(summary) }))

    scope.get<{ Params: { id: string } }>('/api/v1/rules/:id',
      { preValidation: readers, schema: { summary: 'A rule with its text and versions', tags: TAGS, params: idParams, response: { 200: ruleViewSchema } } },
      async (request) => await view(request.params.id))

    scope.put<{ Params: { id: string }, Body: RuleBody }>('/api/v1/rules/:id',
      {
        preValidation: engineers,
        schema: { summary: 'Save a rule as a new version (YAML or JSON text, or an object)', tags: TAGS, params: idParams, body: putBody, response: { 200: ruleViewSchema, 201: ruleViewSchema, 400: refusalSchema } }
      },
      async (request, reply) => await orProblems(reply, async () => {
        const { id } = request.params
        const before = (await rules.list()).find((r) => r.id === id)
        const def = await ruleOf(request.body, { id, idMustBe: true, enabled: before?.enabled ?? true })
        const applied = await rules.apply([def])
        await deps.rulesChanged?.()
        request.log.info({ rule: id, version: def.version, by: principalOf(request).name }, 'rule saved through the API')
        return await reply.code(applied.added.length > 0 ? 201 : 200).send(await view(id))
      }))

    for (const enabled of [true, false]) {
      scope.post<{ Params: { id: string } }>(`/api/v1/rules/:id/${enabled ? 'enable' : 'disable'}`,
        {
          preValidation: [engineers, absentBodyIsEmpty],
          schema: { summary: `${enabled ? 'Enable' : 'Disable'} a rule (no new version)`, tags: TAGS, params: idParams, body: noBody, response: { 200: ruleViewSchema } }
        },
        async (request) => {
          await rules.setEnabled(request.params.id, enabled)
          await deps.rulesChanged?.()
          return await view(request.params.id)
        })
    }

    scope.post<{ Body: RuleBody & { vin?: string | string[], from: string, to: string } }>('/api/v1/rules/backtest',
      {
        preValidation: engineers,
        schema: { summary: 'What a draft rule would have raised over stored batches', tags: TAGS, body: backtestBody, response: { 200: backtestSchema, 400: refusalSchema, ...errorResponses(404) } }
      },
      async (request, reply) => await orProblems(reply, async () => {
        const { body } = request
        const from = parseIsoTime(body.from, 'body.from')
        const to = parseIsoTime(body.to, 'body.to')
        if (to <= from) throw badRequest(`body.to ${body.to} is not after body.from ${body.from}`)
        if (to.getTime() - from.getTime() > MAX_BACKTEST_DAYS * DAY_MS) throw badRequest(`body.to is more than ${MAX_BACKTEST_DAYS} days after body.from; a backtest spans at most ${MAX_BACKTEST_DAYS} days`)
        const named = body.vin === undefined ? undefined : (typeof body.vin === 'string' ? [body.vin] : body.vin).map((v, i) => vinOf(v, typeof body.vin === 'string' ? 'body.vin' : `body.vin[${i}]`))
        if (named !== undefined && named.length > MAX_BACKTEST_VEHICLES) throw badRequest(`body.vin names ${named.length} vehicles; a backtest reads at most ${MAX_BACKTEST_VEHICLES}`)
        const def = await ruleOf(body, { id: 'draft', idMustBe: false, enabled: true })
        const query = { vins: named, fromUs: from.getTime() * 1000, toUs: to.getTime() * 1000 }
        const extent = await archive.extent(query, MAX_BACKTEST_VEHICLES)
        if (extent.unknown.length > 0) throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${extent.unknown.join(', ')} (body.vin)`)
        if (extent.vins.length > MAX_BACKTEST_VEHICLES) {
          throw badRequest(`more than ${MAX_BACKTEST_VEHICLES} vehicles sent batches between body.from and body.to; name at most ${MAX_BACKTEST_VEHICLES} in body.vin`)
        }
        if (extent.batches > MAX_BACKTEST_BATCHES) {
          throw badRequest(`body.from..body.to holds ${extent.batches} batches of ${extent.vins.length} vehicle(s); a backtest reads at most ${MAX_BACKTEST_BATCHES}: shorten the range or name fewer vehicles in body.vin`)
        }
        const catalog = await storedCatalog(manifests)
        // storage thinning does not matter to rules: they see every decoded sample
        const compiled = new StoredManifests(manifests, catalog, 1)
        const report = await runBacktest(archive, [def], { ...query, vins: extent.vins }, {
          catalog, stored: async (id) => await compiled.get(id), fallback: deps.decoding?.defaultManifest, limits: deps.decoding?.batchLimits
        })
        return {
          from,
          to,
          vehicles: report.vehicles,
          batches: report.batches,
          skippedBatches: report.skippedBatches,
          decodedWith: report.decodedWith,
          byRule: report.byRule,
          events: report.events.slice(0, MAX_BACKTEST_EVENTS).map((e) => ({
            time: new Date(e.timeUs / 1000), vin: e.vin, ruleId: e.ruleId, type: e.type, severity: e.severity, occurrences: e.occurrences, evidence: e.evidence
          })),
          eventsTruncated: report.events.length > MAX_BACKTEST_EVENTS
        }
      }))
  })
}
