/**
 * The console's one way to the API: same-origin fetches carrying the
 * session cookie (never a token: the token is exchanged once, at sign-in,
 * for an HttpOnly cookie script cannot read). Errors come back as ApiError
 * with the API's stable code and message and whatever else the error body
 * carries, so a page can show the message in place (e.g. a rule's
 * `problems` beside their lines).
 */

/** Where an input was wrong, as the API locates it (a rule that does not check: 400 PITWALL_ERR_RULE_FILE). */
export interface ApiProblem {
  path: string
  message: string
  line?: number
  column?: number
}

export class ApiError extends Error {
  constructor (
    readonly status: number,
    readonly code: string,
    message: string,
    /** the error body's other fields, e.g. `problems` */
    readonly details: Readonly<Record<string, unknown>> = {}
  ) {
    super(message)
  }

  /** The problems the API located, each with its field and, for a text, its line; [] when it sent none. */
  get problems (): ApiProblem[] {
    const problems = this.details.problems
    if (!Array.isArray(problems)) return []
    return problems.filter((p): p is ApiProblem => typeof p === 'object' && p !== null && typeof (p as ApiProblem).message === 'string')
  }
}

/** Query values; undefined and '' are left out, so a cleared filter is no filter. */
export type Query = Record<string, string | number | boolean | undefined>

export function withQuery (path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text === '' ? path : `${path}?${text}`
}

async function request<T> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let payload: unknown
  try {
    payload = text === '' ? undefined : JSON.parse(text)
  } catch {
    payload = undefined
  }
  if (!response.ok) {
    const { code, message, ...details } = typeof payload === 'object' && payload !== null ? payload as Record<string, unknown> : {}
    if (response.status === 401) unauthenticated()
    throw new ApiError(
      response.status,
      typeof code === 'string' ? code : `HTTP_${response.status}`,
      typeof message === 'string' ? message : (text.slice(0, 200) || response.statusText),
      details
    )
  }
  return payload as T
}

export const api = {
  get: async <T>(path: string, query?: Query): Promise<T> => await request<T>('GET', withQuery(path, query)),
  post: async <T>(path: string, body?: unknown): Promise<T> => await request<T>('POST', path, body ?? {}),
  put: async <T>(path: string, body?: unknown): Promise<T> => await request<T>('PUT', path, body ?? {}),
  patch: async <T>(path: string, body?: unknown): Promise<T> => await request<T>('PATCH', path, body ?? {}),
  delete: async <T>(path: string): Promise<T> => await request<T>('DELETE', path)
}

/** The message to show for a failed call: the API's own words, else the error's. */
export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

// A session that ended (expired, signed out elsewhere, token revoked) sends
// every page back to sign-in rather than showing a screen of failures.
let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated (handler: () => void): void {
  onUnauthenticated = handler
}
function unauthenticated (): void {
  onUnauthenticated()
}
