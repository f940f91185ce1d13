/** A fault's freeze frame (samples of the rule's signals before it opened) as one chart, a series per signal. */
import { TimeChart } from '../../../components/time-chart.js'

export function EvidenceChart ({ evidence }: { evidence: ReadonlyArray<{ signal: string, t: number, value: number }> }) {
  // one x axis: the union of every signal's sample times (epoch µs, as the rule engine keeps them), gaps elsewhere
  const t = [...new Set(evidence.map((s) => s.t))].sort((a, b) => a - b)
  const at = new Map(t.map((time, i) => [time, i]))
  const series = [...new Set(evidence.map((s) => s.signal))].map((signal) => {
    const values: Array<number | null> = t.map(() => null)
    for (const s of evidence) if (s.signal === signal) values[at.get(s.t) as number] = s.value
    return { label: signal.split('.').slice(-2).join('.'), values }
  })
  return <TimeChart t={t.map((us) => us / 1000)} series={series} height={200} empty='No freeze frame was kept for this fault.' />
}
