/**
 * Case packs: YAML (or JSON) files of known fixes, `cases: [ ... ]`, applied
 * to the case base with CaseBase.apply. The shape is checked by a JSON
 * schema, the content (slug ids, SAE J2012 DTCs, limits) by validateCase, so
 * a pack and the HTTP API refuse the same things. Errors read
 *   demo-cases.yaml: case case-cooling-fan: dtcs[0] ...
 */
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject } from 'ajv'
import { parseDocument, readDocument } from '../../decoders/document.js'
import { isPitwallError, PitwallError } from '../../runtime/errors.js'
import { partsInputSchema } from '../../rules/parts.js'
import type { CaseInput } from './model.js'
import { validateCase } from './policy.js'

const casePackError = (message: string): PitwallError => new PitwallError('PITWALL_ERR_CASE_PACK', message)

/** The demo vehicle's cases, which rules/packs/demo-vehicle.yaml links to. */
export const DEMO_CASE_PACK = fileURLToPath(new URL('../../rules/packs/demo-cases.yaml', import.meta.url))

const text = { type: 'string', minLength: 1 }
const textList = { type: 'array', items: text }

/** A case's content, as a pack and the HTTP API (PUT /api/v1/cases/:id) give it. */
export const caseContentSchema = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: {
    title: text,
    symptoms: { type: 'string' },
    dtcs: textList,
    steps: textList,
    parts: partsInputSchema,
    repairHours: { type: ['number', 'null'], minimum: 0 }
  }
} as const

const casePackSchema = {
  type: 'object',
  required: ['cases'],
  additionalProperties: false,
  properties: {
    cases: {
      type: 'array',
      items: { ...caseContentSchema, required: ['id', 'title'], properties: { id: { type: 'string' }, ...caseContentSchema.properties } }
    }
  }
}

const validatePack = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(casePackSchema)

export function loadCasePack (path: string): CaseInput[] {
  return parseCasePack(readDocument(path, casePackError), path)
}

export function parseCasePack (source: string, fileName = '<cases>'): CaseInput[] {
  const data = parseDocument(source, fileName, casePackError)
  if (!validatePack(data)) throw casePackError(`${fileName}: ${describe(validatePack.errors?.[0], data)}`)
  const cases = (data as { cases: CaseInput[] }).cases
  const seen = new Set<string>()
  for (const c of cases) {
    if (seen.has(c.id)) throw casePackError(`${fileName}: case ${c.id}: id is used by an earlier case in the file`)
    seen.add(c.id)
    try {
      validateCase(c)
    } catch (err) {
      if (!isPitwallError(err, 'PITWALL_ERR_CASE_INVALID')) throw err
      throw casePackError(`${fileName}: ${err.message}`)
    }
  }
  return cases
}

/** "case <id>: <field> <what>" for an ajv error. */
function describe (error: ErrorObject | undefined, data: unknown): string {
  if (error === undefined) return 'is invalid'
  const parts = error.instancePath.split('/').slice(1)
  if (parts[0] !== 'cases' || parts[1] === undefined) return `${parts.join('.') || 'the file'} ${message(error)}`
  const item = (data as { cases: Array<Record<string, unknown>> }).cases[Number(parts[1])]
  const id = typeof item?.id === 'string' ? item.id : `#${Number(parts[1]) + 1}`
  const field = parts.slice(2).reduce((s, part) => /^\d+$/.test(part) ? `${s}[${part}]` : s === '' ? part : `${s}.${part}`, '')
  return `case ${id}: ${field === '' ? '' : `${field} `}${message(error)}`
}

function message (e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `has an unknown field ${JSON.stringify(e.params.additionalProperty)}`
  if (e.keyword === 'required') return `needs the field ${JSON.stringify(e.params.missingProperty)}`
  return e.message ?? 'is invalid'
}
