/**
 * The one retry schedule: base, 2·base, 4·base … capped at max. With
 * `jitter`, a uniform draw in [0, that] ("full jitter"), so many clients that
 * failed together (webhook endpoints, T-boxes) do not retry together.
 */
export interface Backoff {
  baseMs: number
  maxMs: number
  jitter?: boolean
}

/** The delay before retry number `attempt` (1 = the first retry). */
export function backoffMs (attempt: number, { baseMs, maxMs, jitter = false }: Backoff): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return jitter ? Math.round(Math.random() * ceiling) : ceiling
}
