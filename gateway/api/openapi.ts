/**
 * The API's description, generated from the routes' own schemas
 * (@fastify/swagger, OpenAPI 3.1), and a browsable UI over it
 * (@fastify/swagger-ui, whose assets the gateway serves from the package:
 * no CDN):
 *
 *   GET /api/v1/openapi.json   the document
 *   GET /api/v1/docs           the UI (it reads the same document at /api/v1/docs/json)
 *
 * registerOpenApi goes first, before any API route: @fastify/swagger
 * collects routes as they are added (onRoute), and ./index.ts registers the
 * routes after it. The operator endpoints outside /api (/healthz, /readyz,
 * /metrics: ./health.ts) are added after the API by gateway/http.ts, so
 * they are in the document too (tag `operations`, no credentials).
 *
 * Every route declares its request and success response schemas, a
 * `summary` and one `tags` entry (its route group). Its error answers are
 * added here, once for all: every /api route answers { code, message }
 * (./errors.ts) for 400, 401, 403, 404, 429 and 503 as they apply (below),
 * described by one shared schema; a route that can also answer 404 without
 * a path parameter, or 409, says so with errorResponses(404, 409).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { ERRORS } from '../../runtime/errors.js'
import { SESSION_COOKIE } from './auth.js'

export const OPENAPI_PATH = '/api/v1/openapi.json'
export const DOCS_PATH = '/api/v1/docs'

const API_ERROR_ID = 'ApiError'

/** The body of every API error (./errors.ts ApiErrorBody), shared by every route's error answers. */
const apiErrorSchema = {
  $id: API_ERROR_ID,
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', description: 'a stable PITWALL_ERR_… code (runtime/errors.ts)', examples: ['PITWALL_ERR_BAD_REQUEST'] },
    message: { type: 'string', description: 'what was wrong, naming the field, id or token' }
  }
} as const

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 429 | 503

const ERROR_MEANINGS: Record<ErrorStatus, string> = {
  400: ERRORS.PITWALL_ERR_BAD_REQUEST.means,
  401: 'no API token or console session, or one that is unknown, revoked or expired',
  403: ERRORS.PITWALL_ERR_FORBIDDEN.means,
  404: 'no such resource, or one the caller\'s dealer may not see',
  409: 'the resource\'s state does not allow this, or its id is taken',
  429: ERRORS.PITWALL_ERR_RATE_LIMITED.means,
  503: ERRORS.PITWALL_ERR_STORAGE_UNAVAILABLE.means
}

const { $id: _id, ...apiErrorShape } = apiErrorSchema
/** The error answers errorResponses made: registerOpenApi replaces each with a reference to the shared schema. */
const declaredErrors = new WeakSet<object>()

/**
 * Error answers a route declares beside its success: `response: { 200: …,
 * ...errorResponses(404, 409) }`. Spelled out, so a route group registered
 * without registerOpenApi (a test's own instance) still serializes them.
 */
export function errorResponses (...statuses: ErrorStatus[]): Record<number, object> {
  return Object.fromEntries(statuses.map((s) => {
    const schema = { description: ERROR_MEANINGS[s], ...apiErrorShape }
    declaredErrors.add(schema)
    return [s, schema]
  }))
}

/** What the document says of a success whose schema does not (instead of "Default Response"). */
const SUCCESS: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' }

function sharedError (status: ErrorStatus): object {
  return { description: ERROR_MEANINGS[status], $ref: `${API_ERROR_ID}#` }
}

/**
 * Response shapes. A response schema is also the serializer's
 * (fast-json-stringify): a property it does not declare is dropped from the
 * answer, and a Date is answered as ISO 8601 only where it says `time`.
 */
export type JsonSchema = Record<string, unknown>

export const out = {
  text: { type: 'string' },
  integer: { type: 'integer' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  /** a Date, answered as ISO 8601 in UTC */
  time: { type: 'string', format: 'date-time' },
  texts: { type: 'array', items: { type: 'string' } },
  /** free-form JSON kept as stored (a rule's detail, an alert's content), every property answered */
  json: { type: 'object', additionalProperties: true }
} as const satisfies Record<string, JsonSchema>

/** An object answered with every one of `properties` (except the `optional` ones when absent) and nothing else. */
export function objectOf (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties).filter((k) => !optional.includes(k)), properties }
}

export function arrayOf (items: JsonSchema): JsonSchema {
  return { type: 'array', items }
}

/** `schema`, or null. */
export function orNull (schema: JsonSchema): JsonSchema {
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type]
  return { ...schema, type: [...types, 'null'], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum as unknown[], null] } : {}) }
}

/** One of `values` (an enumeration the domain defines, e.g. FAULT_STATES). */
export function oneOfTexts (values: readonly string[]): JsonSchema {
  return { type: 'string', enum: [...values] }
}

/** A route any caller may use: no bearer token, no session (the document, for instance). */
export const noCredentials: NonNullable<FastifySchema['security']> = []

/**
 * The errors an API route can answer, from what it declares: 400 when it
 * validates a request part; 401, 403 and 503 (the token is looked up in
 * storage) unless it needs no credentials; 404 with a path parameter; 429
 * always (./index.ts limits every /api route).
 */
function errorsOf (route: RouteOptions, schema: FastifySchema): ErrorStatus[] {
  const open = schema.security !== undefined && schema.security.length === 0
  const statuses: ErrorStatus[] = []
  if (schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined) statuses.push(400)
  if (!open) statuses.push(401, 403)
  if (route.url.includes(':')) statuses.push(404)
  statuses.push(429)
  if (!open) statuses.push(503)
  return statuses
}

export function registerOpenApi (app: FastifyInstance): void {
  app.addSchema(apiErrorSchema)
  // before @fastify/swagger's own onRoute hook (registered below, run after this one), so the document has them
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.method === 'HEAD' || route.schema?.hide === true) return
    const schema = route.schema ?? {}
    const response: Record<string, unknown> = Object.fromEntries(errorsOf(route, schema).map((s) => [s, sharedError(s)]))
    for (const [status, answer] of Object.entries(schema.response ?? {})) {
      if (typeof answer !== 'object' || answer === null) continue
      if (declaredErrors.has(answer)) response[status] = sharedError(Number(status) as ErrorStatus)
      // a copy: a route group's shapes are shared by several routes
      else response[status] = 'description' in answer ? answer : { description: SUCCESS[status] ?? 'the answer', ...answer }
    }
    route.schema = { ...schema, response }
  })
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Pitwall',
        version: pitwallVersion(),
        description: 'The HTTP API of a Pitwall gateway: vehicles, faults, commands, campaigns, the dealer inbox, the case base and the fleet\'s operation. '
          + 'Every route names the roles it admits; a dealer sees its own customers\' vehicles only, and another dealer\'s ids answer 404.'
      },
      // relative: the document is right wherever the gateway is reached (a proxy, a port, https or not)
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'pwt_…', description: 'an API token (`pitwall token create`, or POST /api/v1/tokens)' },
          consoleSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'the console\'s session, from signing in with an API token' }
        }
      },
      // either credential; a route that needs none says `security: []`
      security: [{ bearerToken: [] }, { consoleSession: [] }],
      // the groups in the order a newcomer meets them; a group not named here follows them
      tags: [
        { name: 'faults', description: 'what rules raised on vehicles: acknowledge, resolve (engineers)' },
        { name: 'commands', description: 'signed commands to vehicles and their progress (engineers)' },
        { name: 'campaigns', description: 'OTA and remote-action campaigns in waves (engineers)' },
        { name: 'OTA packages', description: 'the package versions commands and campaigns may name' },
        { name: 'cases', description: 'the case base: known faults and their fixes' },
        { name: 'inbox', description: 'the dealer inbox: alerts, service reminders, services done' },
        { name: 'dealers', description: 'the dealer registry, vehicles\' own dealers, webhook dead letters (operators)' },
        { name: 'KPIs', description: 'service KPIs of the fleet or one dealer' },
        { name: 'manifests', description: 'decoder manifests and the signal catalog' },
        { name: 'tokens', description: 'API tokens (operators)' },
        { name: 'documentation', description: 'this document' }
      ]
    },
    refResolver: {
      // the shared error schema appears once, as components.schemas.ApiError, not as def-0
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
}

const documentSchema = {
  summary: 'This API\'s OpenAPI 3.1 document',
  tags: ['documentation'],
  security: noCredentials,
  response: { 200: { type: 'object', additionalProperties: true, description: 'the OpenAPI document' } }
} satisfies FastifySchema

/** The UI's top bar says whose API it is (instead of the fastify logo), inline: nothing to fetch. */
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40"><text x="0" y="28" font-family="sans-serif" font-size="24" font-weight="bold" fill="#fff">Pitwall API</text></svg>'

/**
 * The document and the UI. Neither needs a credential: the document
 * describes routes, roles and shapes, as the source does, and holds no data
 * or secret; a browser opening the UI cannot send a bearer token with a page
 * request. The UI's "try it out" then sends the session cookie of a signed-in
 * console, or a token given in its Authorize dialog; every route it calls
 * checks it as usual. Both are /api routes, so registered after the rate
 * limit (./index.ts) they are counted by source address.
 */
export function registerApiDocs (app: FastifyInstance): void {
  // in a plugin, so the route is added once the rate limit (registered before) is in place
  void app.register(async (docs) => {
    docs.get(OPENAPI_PATH, { schema: documentSchema }, async () => app.swagger())
  })
  void app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    theme: { title: 'Pitwall API' },
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO) },
    // no outside validator badge, no outside request at all: scripts and styles are the package's, served here
    validatorUrl: false,
    // inline styles: Swagger UI's components set style attributes
    staticCSP: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
    uiConfig: { deepLinking: true, displayRequestDuration: true }
  })
}

/** The version in Pitwall's package.json, found from this file up (gateway/api/ when run from source, dist/gateway/api/ when built). */
function pitwallVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === 'pitwall' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here: look one level up
    }
    const parent = dirname(dir)
    if (parent === dir) return '0.0.0'
    dir = parent
  }
}
