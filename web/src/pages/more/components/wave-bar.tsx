/** One campaign wave's commands as a stacked bar: succeeded, failed, still out, not queued yet. */
import type { WaveProgress } from '../types.js'

export function WaveBar ({ wave }: { wave: WaveProgress }) {
  const queued = Object.values(wave.commands).reduce((a, b) => a + b, 0)
  const cancelled = wave.commands.cancelled ?? 0
  const parts = [
    ['ok', wave.succeeded, 'succeeded'],
    ['bad', wave.failed, 'failed'],
    ['muted', cancelled, 'cancelled'],
    ['info', queued - wave.finished, 'in flight'],
    ['none', wave.vehicles - queued, 'not queued']
  ] as const
  const total = Math.max(wave.vehicles, 1)
  const title = parts.filter(([, n]) => n > 0).map(([, n, what]) => `${n} ${what}`).join(', ') || 'no vehicles'
  return (
    <span class='m-wavebar' title={`wave ${wave.wave + 1}: ${title}`} role='img' aria-label={`wave ${wave.wave + 1}: ${title}`}>
      {parts.map(([tone, n]) => n > 0 && <span class={`m-wavebar-${tone}`} style={{ width: `${(100 * n) / total}%` }} />)}
    </span>
  )
}
