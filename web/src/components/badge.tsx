/**
 * Status badges: a state's name in a colour that says whether it needs
 * someone (bad), is on its way (warn), is done well (ok) or is over (muted).
 */
import type { ComponentChildren } from 'preact'

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted'

const TONES: Record<string, Tone> = {
  // faults and severities
  open: 'bad', critical: 'bad', major: 'warn', minor: 'info', info: 'muted', acknowledged: 'warn', resolved: 'ok', auto_cleared: 'ok',
  // commands
  pending_approval: 'warn', queued: 'info', sent: 'info', accepted: 'info', in_progress: 'info',
  succeeded: 'ok', failed: 'bad', expired: 'bad', rejected: 'bad', cancelled: 'muted',
  confirmed: 'ok', not_confirmed: 'bad', pending: 'warn',
  // vehicles, campaigns, alerts
  online: 'ok', offline: 'muted', running: 'info', paused: 'warn', completed: 'ok', aborted: 'bad', draft: 'muted',
  new: 'bad', parts_staged: 'info', appointment_booked: 'info', repaired: 'ok', closed: 'muted',
  // rescue requests and technical assistance
  requested: 'bad', dispatched: 'info', on_site: 'info', towed: 'info', taken: 'muted', answered: 'ok'
}

/** The tone a state, severity or status is shown in; 'muted' for one not known here. */
export function toneOf (state: string): Tone {
  return TONES[state] ?? 'muted'
}

export function Badge ({ tone, children, title }: { tone: Tone, children: ComponentChildren, title?: string }) {
  return <span class={`badge ${tone}`} title={title}>{children}</span>
}

/** A state as a badge, "pending_approval" shown as "pending approval". */
export function StateBadge ({ state, title }: { state: string, title?: string }) {
  return <Badge tone={toneOf(state)} title={title}>{state.replaceAll('_', ' ')}</Badge>
}
