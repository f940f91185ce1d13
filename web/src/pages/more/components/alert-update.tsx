/**
 * An update of an alert's fault as the dealer was told it (the fault
 * cleared, was fixed remotely, came back, was resolved, or a newer alert
 * replaces it): a badge on the inbox list and in the alert's timeline.
 */
import { Badge, type Tone } from '../../../components/badge.js'
import type { AlertUpdate } from '../types.js'

const SHOWN: Record<AlertUpdate, { label: string, tone: Tone }> = {
  fault_cleared: { label: 'fault cleared', tone: 'ok' },
  fixed_remotely: { label: 'fixed remotely', tone: 'ok' },
  fault_reoccurred: { label: 'fault came back', tone: 'bad' },
  fault_resolved: { label: 'resolved by engineer', tone: 'ok' },
  superseded: { label: 'superseded', tone: 'muted' }
}

export function UpdateBadge ({ update, title }: { update: AlertUpdate, title?: string }) {
  const shown = SHOWN[update]
  return <Badge tone={shown.tone} title={title}>{shown.label}</Badge>
}
