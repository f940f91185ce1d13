/**
 * The signed-in shell: navigation for the user's role, the page the hash
 * names, and sign-out. Before a session: the sign-in form.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useErrorBoundary, useState } from 'preact/hooks'
import { api, ApiError, messageOf, whenUnauthenticated } from './api.js'
import { currentRoute, match, useRoute } from './router.js'
import type { SessionInfo } from './session.js'
import type { Page } from './pages/page.js'
import { corePages } from './pages/core.js'
import { morePages } from './pages/more.js'

const pages: Page[] = [...corePages, ...morePages]

export function App () {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  useEffect(() => {
    whenUnauthenticated(() => setSession(null))
    const token = /(?:^#|&)signin=([^&]+)/.exec(location.hash)?.[1]
    if (token !== undefined) {
      // the token leaves the address bar and history before anything else runs
      history.replaceState(null, '', location.pathname + location.search)
      api.post<SessionInfo>('/api/v1/session', { token: decodeURIComponent(token) })
        .then(setSession, (err: unknown) => { setSession(null); setError(messageOf(err)) })
      return
    }
    api.get<SessionInfo>('/api/v1/session')
      .then(setSession, (err: unknown) => {
        setSession(null)
        if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err))
      })
  }, [])
  if (session === undefined) return <div class='loading'>Loading…</div>
  if (session === null) return <SignIn error={error} onSignedIn={(s) => { setError(undefined); setSession(s) }} />
  return <Shell session={session} onSignedOut={() => setSession(null)} />
}

function SignIn ({ error, onSignedIn }: { error: string | undefined, onSignedIn: (s: SessionInfo) => void }) {
  const [token, setToken] = useState('')
  const [failure, setFailure] = useState(error)
  const submit = (e: Event): void => {
    e.preventDefault()
    api.post<SessionInfo>('/api/v1/session', { token: token.trim() }).then(onSignedIn, (err: unknown) => setFailure(messageOf(err)))
  }
  return (
    <main class='sign-in'>
      <h1>Pitwall</h1>
      <form onSubmit={submit}>
        <label>API token <input name='token' type='password' autocomplete='off' value={token} onInput={(e) => setToken(e.currentTarget.value)} autofocus /></label>
        <button type='submit' class='primary' disabled={token.trim() === ''}>Sign in</button>
        {failure !== undefined && <p class='error-box' role='alert'>{failure}</p>}
        <p class='muted sign-in-hint'>An operator makes tokens (<code>pitwall token create</code>, or the Tokens page); <code>npm run demo</code> prints a sign-in link per role.</p>
      </form>
    </main>
  )
}

function Shell ({ session, onSignedOut }: { session: SessionInfo, onSignedOut: () => void }) {
  const route = useRoute()
  const mine = pages.filter((p) => p.roles.includes(session.role))
  let found: { page: Page, params: Record<string, string> } | undefined
  for (const page of mine) {
    const params = match(page.path, route.path)
    if (params !== undefined) { found = { page, params }; break }
  }
  const home = mine.find((p) => p.nav)
  useEffect(() => {
    // the address as it is now, not as rendered: an effect runs after the paint, and a link followed
    // meanwhile (just after signing in, say) must not be sent home
    if (found === undefined && route.path === '/' && currentRoute().path === '/' && home !== undefined) location.replace(`#${home.path}`)
  }, [route.path])
  // a tab per vehicle or fault stays told apart: "Vehicle WDB… · Pitwall"
  useEffect(() => {
    document.title = found === undefined ? 'Pitwall' : `${[found.page.title, ...Object.values(found.params)].join(' ')} · Pitwall`
  }, [route.path, found?.page])
  const section = found?.page.under ?? route.path
  const signOut = (): void => { api.delete('/api/v1/session').finally(onSignedOut) }
  return (
    <div class='shell'>
      <nav class='nav'>
        <strong class='brand'>Pitwall</strong>
        {mine.filter((p) => p.nav).map((p) => <a href={`#${p.path}`} class={section.startsWith(p.path) ? 'active' : ''} aria-current={section.startsWith(p.path) ? 'page' : undefined}>{p.title}</a>)}
        <span class='who'>{session.name} · {session.role}</span>
        <button type='button' onClick={signOut}>Sign out</button>
      </nav>
      <main class='page'>
        {found === undefined
          ? <div class='empty'>No page here. <a href={`#${home?.path ?? '/'}`}>Go to {home?.title ?? 'start'}</a></div>
          : <PageBoundary key={route.path}><found.page.component params={found.params} route={route} session={session} /></PageBoundary>}
      </main>
    </div>
  )
}

/** A page that fails to render says so in place; the navigation stays usable. */
function PageBoundary ({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary()
  if (error !== undefined) {
    return (
      <div class='error-box' role='alert'>
        <span>This page failed: {messageOf(error)}</span>
        <button type='button' onClick={reset}>Try again</button>
      </div>
    )
  }
  return <>{children}</>
}
