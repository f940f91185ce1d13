/**
 * Parts as a workshop orders them: a part number (when the engineer knows
 * it), a description the service advisor reads, and how many. Rules (a
 * dealer_prestage action), cases and the alert a dealer receives carry the
 * same shape; this file says what one is and what is accepted, so a rule
 * file, a case pack and the HTTP API refuse the same things.
 *
 * The form before parts were structured, a plain string ("radiator fan
 * assembly"), is still read: it becomes the description, quantity 1, no
 * number (nothing in the text is guessed at). Migration 026 converted the
 * stored ones the same way.
 */

export interface Part {
  /** the OEM or supplier part number, e.g. 1K0 959 455 DT; null: not known (order by description) */
  number: string | null
  description: string
  /** a whole number of units (a litre of coolant is one unit of "coolant G13 1 l") */
  quantity: number
}

/** What a file or a request may give for one part: the structured form, or the older plain description. */
export type PartInput = string | { number?: string | null | undefined, description: string, quantity?: number | undefined }

/** At most this many parts in one list (a rule's action, a case). */
export const MAX_PARTS = 100
export const MAX_PART_NUMBER = 40
export const MAX_PART_DESCRIPTION = 200
export const MAX_PART_QUANTITY = 999

/**
 * Letters and digits, with single spaces, dots, slashes, hyphens or
 * underscores between them: catalogue numbers are written "1K0 959 455 DT",
 * "8E0-121-113", "N 910 845 01" or "A 000 420 51 20" (spaces kept as written:
 * the dealer's parts system may match on them).
 */
const PART_NUMBER = /^[A-Za-z0-9]+(?:[ ./_-][A-Za-z0-9]+)*$/

/**
 * The JSON schema of one part as files and requests give it: the shape and
 * types only (an object's keywords do not apply to the plain string), so a
 * refusal names the field; readParts checks the content and says what is
 * allowed.
 */
export const partInputSchema = {
  type: ['string', 'object'],
  description: 'a part {number, description, quantity}, or (the older form) its description alone',
  required: ['description'],
  additionalProperties: false,
  properties: {
    number: { type: ['string', 'null'], description: `part number, at most ${MAX_PART_NUMBER} characters: letters and digits with single spaces, dots, slashes, hyphens or underscores between them` },
    description: { type: 'string', description: `1 to ${MAX_PART_DESCRIPTION} characters` },
    quantity: { type: 'integer', description: `1 to ${MAX_PART_QUANTITY}; default 1` }
  }
} as const

/** A list of parts as files and requests give it. */
export const partsInputSchema = { type: 'array', items: partInputSchema } as const

/**
 * The parts of `raw` (a list of PartInput), checked and normalised: text
 * trimmed, quantity 1 when not given. `fail(field, what)` is called with the
 * first problem, `field` spelled from `field` down, e.g. "parts[1].quantity".
 */
export function readParts (raw: unknown, field: string, fail: (field: string, what: string) => never): Part[] {
  if (!Array.isArray(raw)) return fail(field, 'must be a list of parts')
  if (raw.length > MAX_PARTS) fail(field, `has ${raw.length} parts; at most ${MAX_PARTS}`)
  const parts = raw.map((item: unknown, i) => readPart(item, `${field}[${i}]`, fail))
  const seen = new Map<string, number>()
  parts.forEach((p, i) => {
    if (p.number === null) return
    const key = p.number.toUpperCase()
    const first = seen.get(key)
    if (first !== undefined) fail(`${field}[${i}].number`, `${JSON.stringify(p.number)} is listed already as ${field}[${first}]: give one entry with the quantity needed`)
    seen.set(key, i)
  })
  return parts
}

function readPart (raw: unknown, field: string, fail: (field: string, what: string) => never): Part {
  if (typeof raw === 'string') return { number: null, description: description(raw, field, fail), quantity: 1 }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(field, 'must be a part ({number, description, quantity}) or a description')
  }
  const given = raw as Record<string, unknown>
  const unknown = Object.keys(given).find((k) => !['number', 'description', 'quantity'].includes(k))
  if (unknown !== undefined) fail(field, `has an unknown field ${JSON.stringify(unknown)} (a part has number, description and quantity)`)
  if (given.description === undefined) fail(field, 'needs the field "description"')
  return {
    number: partNumber(given.number, `${field}.number`, fail),
    description: description(given.description, `${field}.description`, fail),
    quantity: quantity(given.quantity, `${field}.quantity`, fail)
  }
}

function description (raw: unknown, field: string, fail: (field: string, what: string) => never): string {
  if (typeof raw !== 'string') return fail(field, 'must be text')
  const text = raw.trim()
  if (text === '') fail(field, 'is empty')
  if (text.length > MAX_PART_DESCRIPTION) fail(field, `is ${text.length} characters; at most ${MAX_PART_DESCRIPTION}`)
  return text
}

function partNumber (raw: unknown, field: string, fail: (field: string, what: string) => never): string | null {
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'string') return fail(field, 'must be text')
  const number = raw.trim()
  if (number === '') return null
  if (number.length > MAX_PART_NUMBER) fail(field, `is ${number.length} characters; at most ${MAX_PART_NUMBER}`)
  if (!PART_NUMBER.test(number)) {
    fail(field, `${JSON.stringify(number)} is not a part number: letters and digits, with single spaces, dots, slashes, hyphens or underscores between them (e.g. 1K0 959 455 DT)`)
  }
  return number
}

function quantity (raw: unknown, field: string, fail: (field: string, what: string) => never): number {
  if (raw === undefined) return 1
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_PART_QUANTITY) {
    return fail(field, `must be a whole number from 1 to ${MAX_PART_QUANTITY}, got ${JSON.stringify(raw)}`)
  }
  return raw
}

/** One line for a reader of plain text (the alert's `parts` list, the CLI): "2 × brake pad set (8E0-698-151)". */
export function partText (p: Part): string {
  return `${p.quantity === 1 ? '' : `${p.quantity} × `}${p.description}${p.number === null ? '' : ` (${p.number})`}`
}

/** A part as a file writes it back: no number when there is none, no quantity when it is one. */
export function partToFile (p: Part): Record<string, unknown> {
  return { ...(p.number === null ? {} : { number: p.number }), description: p.description, ...(p.quantity === 1 ? {} : { quantity: p.quantity }) }
}
