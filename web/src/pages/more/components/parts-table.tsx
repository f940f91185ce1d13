/**
 * Parts to order as the parts counter reads them: number, description,
 * quantity. An alert raised before parts were structured has only its text
 * lines; they are shown as descriptions.
 */
import type { AlertContent, Part } from '../types.js'

/** The alert's parts: structured when it has them, else its text lines as descriptions. */
export function alertParts (suggestion: Partial<AlertContent['suggestion']> | undefined): Part[] {
  return suggestion?.partItems ?? (suggestion?.parts ?? []).map((description) => ({ number: null, description, quantity: 1 }))
}

/** "2 × brake pad set": a part in a line of text (a list cell). */
export function partLine (p: Part): string {
  return `${p.quantity === 1 ? '' : `${p.quantity} × `}${p.description}`
}

export function PartsTable ({ parts }: { parts: readonly Part[] }) {
  return (
    <table class='table m-parts'>
      <thead><tr><th>Part number</th><th>Description</th><th class='num'>Qty</th></tr></thead>
      <tbody>{parts.map((p) => (
        <tr><td>{p.number === null ? <span class='m-sub'>—</span> : <code>{p.number}</code>}</td><td>{p.description}</td><td class='num'>{p.quantity}</td></tr>
      ))}</tbody>
    </table>
  )
}
