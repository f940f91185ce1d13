/**
 * Requests whose refusal carries more than { code, message }: a rule that
 * does not check answers 400 with `problems` (each with its field, line and
 * column), which the rule editor shows beside the lines.
 */
import { api } from '../../../api.js'

export interface RuleProblem {
  path: string
  message: string
  line?: number
  column?: number
}

export class Refusal extends Error {
  constructor (readonly status: number, readonly code: string, message: string, readonly problems: RuleProblem[]) {
    super(message)
  }
}

/** A JSON request; a refusal throws Refusal with the API's message and problems. */
export async function send<T> (method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body)
  })
  const text = await response.text()
  let payload: { code?: string, message?: string, problems?: RuleProblem[] } | undefined
  try {
    payload = text === '' ? undefined : JSON.parse(text)
  } catch {
    payload = undefined
  }
  if (!response.ok) {
    // a session that ended: the shell's own client sees the 401 too and signs out
    if (response.status === 401) void api.get('/api/v1/session').catch(() => {})
    throw new Refusal(response.status, payload?.code ?? `HTTP_${response.status}`, payload?.message ?? (text.slice(0, 200) || response.statusText), payload?.problems ?? [])
  }
  return payload as T
}
