/**
 * The OTA package registry over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET  /api/v1/ota-packages   engineer, operator: every registered version
 *   POST /api/v1/ota-packages   engineer: register one { package, version, url, sha256, size } (201)
 *
 * A version once registered never changes (vehicles may have it already): a
 * second POST of it is 409 PITWALL_ERR_OTA_PACKAGE_EXISTS. Content the
 * registry refuses (a URL that is not http(s), a digest that is not 64 hex
 * digits) is 400 PITWALL_ERR_OTA_PACKAGE_INVALID naming each field.
 */
import type { FastifyInstance } from 'fastify'
import { checkOtaPackage } from '../../actions/ota-packages/policy.js'
import type { OtaPackageStore } from '../../storage/ota-packages.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, out } from './openapi.js'
import { MAX_ID } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface OtaPackageRouteDeps {
  otaPackages: OtaPackageStore
}

interface NewPackageBody { package: string, version: string, url: string, sha256: string, size: number }

const addBody = {
  type: 'object',
  required: ['package', 'version', 'url', 'sha256', 'size'],
  additionalProperties: false,
  properties: {
    package: { type: 'string', minLength: 1, maxLength: 128 },
    version: { type: 'string', minLength: 1, maxLength: 64 },
    url: { type: 'string', minLength: 1, maxLength: 2000 },
    sha256: { type: 'string', minLength: 1, maxLength: 64 },
    size: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint }
  }
}

const packageSchema = objectOf({
  package: out.text,
  version: out.text,
  url: out.text,
  sha256: { ...out.text, description: 'hex, lower case' },
  size: { ...out.integer, description: 'bytes' },
  addedBy: out.text,
  addedAt: out.time
})

export function registerOtaPackageRoutes (app: FastifyInstance, deps: OtaPackageRouteDeps): void {
  const { otaPackages } = deps

  registerApiScope(app, 'OTA package', (scope) => {
    scope.get('/api/v1/ota-packages',
      { preValidation: requireRole('engineer', 'operator'), schema: { summary: 'Every registered OTA package version', tags: ['OTA packages'], response: { 200: objectOf({ packages: arrayOf(packageSchema) }) } } },
      async () => ({ packages: await otaPackages.list() }))

    scope.post<{ Body: NewPackageBody }>('/api/v1/ota-packages',
      { preValidation: requireRole('engineer'), schema: { summary: 'Register an OTA package version', tags: ['OTA packages'], body: addBody, response: { 201: packageSchema, ...errorResponses(409) } } },
      async (request, reply) => {
        const { sha256, ...rest } = request.body
        // digests are stored lower-case, as `pitwall packages add` does, so either spelling registers the same file
        const spec = { ...rest, sha256: sha256.toLowerCase(), addedBy: principalOf(request).name }
        checkOtaPackage(spec)
        const added = await otaPackages.add(spec)
        return await reply.code(201).send(added)
      })
  })
}
