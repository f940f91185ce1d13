/** A part as the API answers it (rules/parts.ts Part): in a rule's action and in a case. */
import { arrayOf, objectOf, orNull, out } from './openapi.js'

export const partSchema = objectOf({
  number: { ...orNull(out.text), description: 'the part number; null: order by description' },
  description: out.text,
  quantity: out.integer
})

export const partsSchema = arrayOf(partSchema)
