/**
 * The gateway's health for operators, refreshed every few seconds: connected
 * vehicles, ingest rates and PUBACK latency, queue depths, webhook breakers,
 * storage and the process (GET /api/v1/health/summary, read from the
 * gateway's own metrics). The ingest rate is charted for as long as the page
 * is open.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { dateTime, num } from '../../components/format.js'
import { LoadedView } from '../../components/states.js'
import { TimeChart } from '../../components/time-chart.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { useInterval } from './components/use-interval.js'
import type { HealthSummary } from './types.js'

const REFRESH_MS = 3000
const HISTORY = 200

const perS = (v: number | null): string => v === null ? '—' : `${num(v, v < 10 ? 1 : 0)}/s`
const ms = (seconds: number | null): string => seconds === null ? '—' : `${num(seconds * 1000, 1)} ms`
const bytes = (b: number | null): string => b === null ? '—' : `${num(b / 1_048_576, 0)} MiB`
const count = (n: number | null): string => n === null ? '—' : num(n, 0)

function uptime (s: number): string {
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`
}

export function HealthPage (_props: PageProps) {
  const loaded = useApi(async () => await api.get<HealthSummary>('/api/v1/health/summary'), [])
  const [history, setHistory] = useState<{ t: number[], batches: Array<number | null>, samples: Array<number | null> }>({ t: [], batches: [], samples: [] })
  useInterval(() => loaded.reload(), REFRESH_MS)
  const at = loaded.data?.at
  useEffect(() => {
    const h = loaded.data
    if (h === undefined) return
    // one point per answer, kept while the page is open
    setHistory((before) => ({
      t: [...before.t, new Date(h.at).getTime()].slice(-HISTORY),
      batches: [...before.batches, h.ingest.batchesPerS].slice(-HISTORY),
      samples: [...before.samples, h.ingest.samplesPerS === null ? null : h.ingest.samplesPerS / 1000].slice(-HISTORY)
    }))
  }, [at])
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Health</h1>
        <span class='m-sub' role='status'>{at === undefined ? '' : `as of ${dateTime(at)} · refreshes every ${REFRESH_MS / 1000} s`}</span>
      </header>
      <LoadedView loaded={loaded}>{(h) => {
        const commands = Object.entries(h.queues.commandsOpen).filter(([, n]) => n > 0)
        return (
          <>
            <div class='m-cards'>
              <Card title='Connected vehicles' value={count(h.vehicles.connected)} sub={h.vehicles.unauthenticated ? `${h.vehicles.unauthenticated} connections not authenticated yet` : 'on this gateway node'} />
              <Card title='Ingest' value={perS(h.ingest.batchesPerS)} sub={`batches · ${perS(h.ingest.samplesPerS)} samples · ${perS(h.ingest.canFramesPerS)} CAN frames`} />
              <Card title='PUBACK latency' value={ms(h.ingest.pubackP99S)} sub={`p99 · p50 ${ms(h.ingest.pubackP50S)}${h.windowS === null ? '' : ` · last ${num(h.windowS, 0)} s`}`} />
              <Card title='Dead letters' value={perS(h.ingest.deadLettersPerS)} sub={Object.entries(h.ingest.deadLetters).map(([code, n]) => `${code.replace('PITWALL_ERR_', '')} ${n}`).join(' · ') || 'none since start'} tone={h.ingest.deadLettersPerS !== null && h.ingest.deadLettersPerS > 0 ? 'warn' : undefined} />
            </div>
            <div class='card'>
              <h2>Ingest rate</h2>
              {history.t.length < 2 || history.batches.every((v) => v === null)
                ? <p class='m-sub'>The rate needs two readings; the chart fills while this page is open.</p>
                : <TimeChart t={history.t} height={180} zero series={[
                    { label: 'batches', unit: '/s', values: history.batches },
                    { label: 'samples', unit: 'k/s', values: history.samples }
                  ]} />}
            </div>
            <h2>Queues</h2>
            <div class='m-cards'>
              <Card title='Storage writer' value={count(h.queues.storageWriter)} sub='batches waiting for a commit' tone={(h.queues.storageWriter ?? 0) > 100 ? 'warn' : undefined} />
              <Card title='Fault actions' value={count(h.queues.faultActionsPending)} sub={`pending · ${h.queues.faultActionsRetrying} retrying`} tone={h.queues.faultActionsRetrying > 0 ? 'warn' : undefined} />
              <Card title='Webhooks' value={count(h.queues.webhooksPending)} sub='deliveries pending' />
              <Card title='Webhook dead letters' value={count(h.queues.webhookDeadLetters)} sub={<a href={href('/webhooks/dead-letters')}>retry them</a>} tone={h.queues.webhookDeadLetters > 0 ? 'bad' : undefined} />
              <Card title='Commands open' value={count(commands.reduce((a, [, n]) => a + n, 0))} sub={commands.map(([s, n]) => `${s.replaceAll('_', ' ')} ${n}`).join(' · ') || 'none'} />
            </div>
            <h2>Breakers and storage</h2>
            <div class='m-cards'>
              <Card title='Webhook breakers open' value={count(h.webhooks.breakersOpen)} sub={`${count(h.webhooks.breakerOpens)} opened since start`} tone={(h.webhooks.breakersOpen ?? 0) > 0 ? 'bad' : undefined} />
              <Card title='Webhook deliveries' value={count(h.webhooks.deliveries.delivered ?? 0)} sub={Object.entries(h.webhooks.deliveries).map(([o, n]) => `${o} ${n}`).join(' · ') || 'none since start'} />
              <Card title='Commit p99' value={ms(h.storage.commitP99S)} sub={`${count(h.storage.commitErrors)} failed commits since start`} tone={(h.storage.commitErrors ?? 0) > 0 ? 'warn' : undefined} />
              <Card title='Process' value={uptime(h.process.uptimeS)} sub={`up · ${bytes(h.process.rssBytes)} resident · event loop p99 ${ms(h.process.eventLoopLagP99S)}`} />
            </div>
          </>
        )
      }}</LoadedView>
    </section>
  )
}

function Card ({ title, value, sub, tone }: { title: string, value: string, sub: ComponentChildren, tone?: 'warn' | 'bad' | undefined }) {
  return (
    <div class={`m-card ${tone === undefined ? '' : `m-card-${tone}`}`}>
      <div class='m-card-title'>{title}</div>
      <div class='m-card-value'>{value}</div>
      <div class='m-sub'>{sub}</div>
    </div>
  )
}
