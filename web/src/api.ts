/**
 * The console's one way to the API: same-origin fetches carrying the
 * session cookie (never a token: the token is exchanged once, at sign-in,
 * for an HttpOnly cookie script cannot read). Errors come back as ApiError
 * with the API's stable code and message, so a page can show the message
 * in place (e.g. a rule's validation error beside the field).
 */

export class ApiError extends Error {
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
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
    const error = payload as { code?: string, message?: string } | undefined
    if (response.status === 401) unauthenticated()
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? (text.slice(0, 200) || response.statusText))
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
