/**
 * Decoder manifests and the signal catalog over HTTP (needs registerApiAuth,
 * see ./auth.ts):
 *
 *   GET  /api/v1/manifests?model=&active=   engineer, operator: stored versions, by model and version
 *   GET  /api/v1/manifests/:id              engineer, operator: one version with its mappings, warnings, history
 *   POST /api/v1/manifests                  engineer: { manifest, dbcs, activate? } stored as its model's
 *                                           next version (201), or found stored before (200, created: false)
 *   POST /api/v1/manifests/:id/activate     engineer: the model's active version from now (the one before stops)
 *   POST /api/v1/manifests/deactivate       engineer: { model } has no active version (frames archived raw only)
 *   GET  /api/v1/catalog                    engineer, operator: every catalog signal, built-in and added
 *
 * A POSTed manifest is what a manifest file holds, as JSON; its buses name
 * their DBC by a key of `dbcs`, whose values are the DBC files' text. It is
 * checked as `pitwall manifests add` checks a file (gateway/manifests.ts):
 * 400 PITWALL_ERR_MANIFEST_INVALID naming the field, the message or the
 * signal that is wrong. Running gateways pick up an activation within
 * seconds. Dealers get 403.
 */
import type { FastifyInstance } from 'fastify'
import { dbcOf, manifestSpecOf, MAX_DBC_BYTES } from '../../decoders/manifest/load.js'
import type { ManifestDbc, ManifestSource } from '../../decoders/manifest/model.js'
import type { ManifestStore } from '../../storage/manifests.js'
import { addManifest } from '../manifests.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { absentBodyIsEmpty, badRequest, integerIdParams, noBody } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface ManifestRouteDeps {
  manifests: ManifestStore
}

interface AddBody {
  manifest: unknown
  dbcs: Record<string, string>
  activate?: boolean
}

/** A manifest names a DBC per bus, and a manifest has at most 16 buses (decoders/manifest/schema.ts). */
const MAX_DBCS = 16
/**
 * Room for the DBCs' text as JSON (escaping grows it) and the manifest; a
 * DBC's own limit (MAX_DBC_BYTES) is checked on its bytes.
 */
const ADD_BODY_LIMIT = 32 * 1024 * 1024

const modelSchema = { type: 'string', minLength: 1, maxLength: 64 } as const
const listQuery = { type: 'object', additionalProperties: false, properties: { model: modelSchema, active: { type: 'boolean' } } }
// The manifest's own fields are checked by manifestSpecOf, whose errors name them as in a manifest file.
const addBody = {
  type: 'object',
  required: ['manifest', 'dbcs'],
  additionalProperties: false,
  properties: {
    manifest: { type: 'object' },
    dbcs: {
      type: 'object',
      minProperties: 1,
      maxProperties: MAX_DBCS,
      propertyNames: { minLength: 1, maxLength: 1024 },
      additionalProperties: { type: 'string', minLength: 1 }
    },
    activate: { type: 'boolean' }
  }
}
const deactivateBody = { type: 'object', required: ['model'], additionalProperties: false, properties: { model: modelSchema } }

/** A catalog signal (decoders/signal-catalog.ts CatalogEntry). */
const catalogEntrySchema = objectOf({ id: out.integer, name: out.text, unit: out.text, min: out.number, max: out.number, vss: out.text, description: out.text }, ['min', 'max', 'vss', 'description'])
const warningSchema = objectOf({ kind: out.text, text: { ...out.text, description: 'file:line:column: text, or manifest.yaml: text' } })
const summaryProperties = {
  id: out.integer,
  model: out.text,
  version: out.integer,
  active: out.boolean,
  description: orNull(out.text),
  createdAt: out.time,
  createdBy: out.text,
  buses: arrayOf(objectOf({ bus: out.integer, dbc: { ...out.text, description: 'the DBC file\'s name' }, sha256: out.text, name: out.text }, ['name'])),
  provides: { ...out.texts, description: 'catalog names it feeds or declares' },
  mappedSignals: out.integer,
  warningCounts: { type: 'object', additionalProperties: out.integer, description: 'DBC warnings by kind' }
}
const summarySchema = objectOf(summaryProperties)
const manifestSchema = objectOf({
  ...summaryProperties,
  definition: { ...out.json, description: 'the manifest as checked; each bus names its DBC by sha256' },
  mappings: arrayOf(objectOf({ bus: out.integer, message: out.text, signal: out.text, catalog: out.text, unit: out.text, via: oneOfTexts(['signals', 'VssSignal']) })),
  warnings: arrayOf(warningSchema),
  events: arrayOf(objectOf({ type: oneOfTexts(['added', 'activated', 'deactivated']), at: out.time, by: out.text }))
})
const addAnswer = objectOf({
  manifest: summarySchema,
  created: { ...out.boolean, description: 'false: the same manifest was stored already, as this version' },
  catalogAdded: arrayOf(catalogEntrySchema),
  activated: out.boolean,
  warnings: arrayOf(warningSchema)
})
const tags = ['manifests']

export function registerManifestRoutes (app: FastifyInstance, deps: ManifestRouteDeps): void {
  const { manifests } = deps
  const readers = requireRole('engineer', 'operator')
  const engineers = requireRole('engineer')

  registerApiScope(app, 'manifest', (scope) => {
    scope.get<{ Querystring: { model?: string, active?: boolean } }>('/api/v1/manifests',
      { preValidation: readers, schema: { summary: 'List stored manifest versions', tags, querystring: listQuery, response: { 200: objectOf({ manifests: arrayOf(summarySchema) }) } } },
      async (request) => ({ manifests: await manifests.list(request.query) }))

    scope.get<{ Params: { id: number } }>('/api/v1/manifests/:id',
      { preValidation: readers, schema: { summary: 'A manifest version with its mappings, warnings and history', tags, params: integerIdParams, response: { 200: manifestSchema } } },
      async (request) => await manifests.get({ id: request.params.id }))

    scope.post<{ Body: AddBody }>('/api/v1/manifests',
      {
        preValidation: engineers,
        bodyLimit: ADD_BODY_LIMIT,
        schema: { summary: 'Store a manifest as its model\'s next version (201), or find it stored (200)', tags, body: addBody, response: { 200: addAnswer, 201: addAnswer, ...errorResponses(409) } }
      },
      async (request, reply) => {
        const { manifest, dbcs, activate } = request.body
        // a wrong manifest, DBC or mapping is a ManifestError naming which: 400
        const source: ManifestSource = { origin: 'request', spec: manifestSpecOf(manifest, 'manifest'), dbcs: dbcFiles(dbcs) }
        checkDbcsNamed(source)
        const added = await addManifest(manifests, source, principalOf(request).name, activate === true)
        return await reply.code(added.created ? 201 : 200).send(added)
      })

    scope.post<{ Params: { id: number } }>('/api/v1/manifests/:id/activate',
      { preValidation: [engineers, absentBodyIsEmpty], schema: { summary: 'Make a version its model\'s active one', tags, params: integerIdParams, body: noBody, response: { 200: objectOf({ manifest: manifestSchema, changed: out.boolean }) } } },
      async (request) => {
        const { id } = request.params
        const { model, version } = await manifests.get({ id })
        const changed = await manifests.activate(model, version, principalOf(request).name)
        return { manifest: await manifests.get({ id }), changed }
      })

    scope.post<{ Body: { model: string } }>('/api/v1/manifests/deactivate',
      { preValidation: engineers, schema: { summary: 'Leave a model without an active version', tags, body: deactivateBody, response: { 200: objectOf({ model: out.text, changed: out.boolean }), ...errorResponses(404) } } },
      async (request) => {
        const { model } = request.body
        return { model, changed: await manifests.deactivate(model, principalOf(request).name) }
      })

    scope.get('/api/v1/catalog', { preValidation: readers, schema: { summary: 'Every catalog signal, built-in and added', tags, response: { 200: objectOf({ signals: arrayOf(catalogEntrySchema) }) } } },
      async () => ({ signals: await manifests.catalog() }))
  })
}

/** The request's DBC texts as files, each by the name the manifest's buses use. */
function dbcFiles (texts: Record<string, string>): Map<string, ManifestDbc> {
  const encoder = new TextEncoder()
  const files = new Map<string, ManifestDbc>()
  for (const [name, text] of Object.entries(texts)) {
    const bytes = encoder.encode(text)
    if (bytes.length > MAX_DBC_BYTES) throw badRequest(`body.dbcs[${JSON.stringify(name)}] is ${bytes.length} bytes, more than a DBC file can be (${MAX_DBC_BYTES})`)
    files.set(name, dbcOf(name, bytes))
  }
  return files
}

/** Every bus's DBC is given, and every DBC given is some bus's: a name misspelt on either side is refused, not stored. */
function checkDbcsNamed (source: ManifestSource): void {
  const { spec, dbcs } = source
  const given = [...dbcs.keys()].map((n) => JSON.stringify(n)).join(', ')
  spec.buses.forEach((bus, i) => {
    if (!dbcs.has(bus.dbc)) throw badRequest(`body.manifest.buses[${i}].dbc names ${JSON.stringify(bus.dbc)}, which is not in body.dbcs (it has ${given})`)
  })
  const named = new Set(spec.buses.map((b) => b.dbc))
  for (const name of dbcs.keys()) {
    if (!named.has(name)) throw badRequest(`body.dbcs[${JSON.stringify(name)}] is the DBC of no bus in body.manifest.buses`)
  }
}
