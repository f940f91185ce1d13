/**
 * A console page: the hash path it answers (":name" parts become params),
 * the roles it is shown to, and whether the navigation lists it. The API
 * enforces roles whatever the page shows; this only keeps the navigation
 * to what the signed-in user can use.
 */
import type { FunctionComponent } from 'preact'
import type { Route } from '../router.js'
import type { Role, SessionInfo } from '../session.js'

export interface PageProps {
  params: Record<string, string>
  route: Route
  session: SessionInfo
}

export interface Page {
  path: string
  title: string
  roles: readonly Role[]
  /** shown in the navigation (pages reached by a link only, e.g. a vehicle, are not) */
  nav: boolean
  /** the navigation entry a page reached by a link belongs to, when its path does not say (a vehicle: '/fleet') */
  under?: string
  component: FunctionComponent<PageProps>
}
