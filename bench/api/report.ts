/** ApiBenchResult -> its section of bench/RESULTS.md: absolute figures, and ratios to the baselines of the same run. */
import type { LatencySummary } from '../e2e/throughput-model.js'
import type { ApiBenchResult, EndpointResult, IngestFigures } from './model.js'

const int = (x: number | undefined): string => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'))
const ms = (x: number | undefined): string => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1))
const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}×`)
const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'met' : 'missed')

function p50p99 (l: LatencySummary | undefined): string {
  return l === undefined ? 'n/a' : `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)} (${int(l.count)})`
}

function endpointRow (e: EndpointResult): string {
  if (e.skipped !== undefined) return `| ${e.label} | < ${int(e.targetP99Ms)} | not measured: ${e.skipped.replace(/\|/g, '\\|')} | | | | | n/a |`
  const under = e.underIngest.latencyMs
  const alone = e.alone.latencyMs
  const errors = e.underIngest.errors + e.alone.errors
  return `| ${e.label} | < ${int(e.targetP99Ms)} | ${p50p99(under)} | ${p50p99(alone)} | ${ratio(under === undefined || alone === undefined ? undefined : under.p99 / alone.p99)} | ` +
    `${ms(e.firstMs)} | ${e.answer ?? ''}, ${int(e.responseBytes)} bytes${errors > 0 ? `; ${errors} errors: ${(e.underIngest.firstError ?? e.alone.firstError ?? '').replace(/\|/g, '\\|')}` : ''} | ${verdict(e.met)} |`
}

function ingestRow (label: string, f: IngestFigures, baseline: IngestFigures): string {
  const l = f.latencyMs
  return `| ${label} | ${int(f.offeredPerS)} | ${int(f.acceptedPerS)} | ${l === undefined ? 'n/a' : `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.p999)} / ${ms(l.max)}`} | ` +
    `${f.runP99Ms.map(ms).join(', ')} | ${ratio(l === undefined || baseline.latencyMs === undefined ? undefined : l.p99 / baseline.latencyMs.p99)} | ` +
    `${f.gatewayCpuPct} % | ${f.databaseCpuPct} % | ${ms(f.sendLagP99Ms)} | ${f.errors} |`
}

export function renderApiBench (r: ApiBenchResult): string {
  const v = r.volume
  const ratioMet = Number.isFinite(r.pubackP99Ratio) ? r.pubackP99Ratio <= 1 : undefined
  const windows = `${r.plan.runs} × ${r.plan.windowMs / 1000} s`
  const [withP50, withoutP50] = [r.withReaders.latencyMs?.p50, r.withoutReaders.latencyMs?.p50]
  const p50Ratio = withP50 === undefined || withoutP50 === undefined ? undefined : withP50 / withoutP50
  return `## The API under ingest (issue 17): console reads while vehicles publish

Measured ${r.startedAt} (${r.mode} mode, ${r.cores} cores). \`pitwall start\` on a PostgreSQL database of its own, seeded in bulk before the gateway starts, each row then moved to its day's partition and the tables vacuumed, as a database the gateway kept all along (${v.seedS} s, ${int(v.databaseMiB)} MiB):
${int(v.vehicles)} vehicles of ${v.models} models on ${v.firmwareVersions} firmware versions with ${v.dealers} dealers; one vehicle online for the
whole history window with every one of the ${v.historySignals} signals the demo DBC maps stored at the demo rate (one sample a second each:
${int(v.historySamples)} samples, in time order with no other vehicle's rows between them: the best case for reading them back; and their per-minute rollup, as the gateway's rollup pass leaves it) and ${int(v.historyFixes)} GNSS fixes; across the fleet ${int(v.dtcEpisodes)} DTC episodes (an active DTC reported
every 10 s while driving) making ${int(v.dtcEvents)} dtc_events rows, ${int(v.dtcEventsInWindow)} of them in the report's window, and
${int(v.faults)} faults of the demo rules (${int(v.faultsInWindow)} in the window, ${int(v.openFaults)} open or acknowledged now; ${int(v.faultEvents)} fault events),
over the report's window and the one before it. The load generator's ${int(r.loadVehicles)} vehicles (${r.canFramesPerBatch} CAN frames a batch)
are in the fleet list too.

Ingest's maximum on this gateway and database, searched as the throughput section does (a QoS 1 step passes while ≥ 95 %
of its offered batches are acknowledged in its ${r.plan.searchMeasureMs / 1000} s window with p99 ≤ 1 s and the projector's queue grows by at most 5 % of them):
${r.search.map((s) => `${int(s.offeredPerS)}/s → ${int(s.acceptedPerS)}/s, p99 ${ms(s.p99Ms)} ms${s.projectionGrowth === undefined ? '' : `, projector queue ${s.projectionGrowth >= 0 ? '+' : ''}${int(s.projectionGrowth)}`}${s.passed ? '' : ' (fails)'}`).join('; ')}.
A rate holds when ${r.plan.runs} run${r.plan.runs === 1 ? '' : 's'} of it pass${r.plan.runs === 1 ? 'es' : ''}; the next rate is tried only then, so no overloaded rate runs before the maximum is known.
Maximum ${int(r.maxPerS)} batches/s, the highest rate that held (the median of its runs: ${(r.maxRuns ?? []).map((s) => `${int(s.acceptedPerS)}/s p99 ${ms(s.p99Ms)} ms${s.passed ? '' : ' (fails)'}`).join('; ')}); every run below offers half of it, ${int(r.halfLoadPerS)}/s. Each run starts once the gateway
has written the decoded rows of the run before, and the first once the rollup has taken in the minutes the search filled.

Readers: one per request below, at most one request in flight and at most one every ${r.plan.readerIntervalMs} ms, over HTTP on
loopback with an engineer's bearer token; latency is from sending the request to reading the last byte of the answer
(with fewer than 100 requests, p99 is the slowest of them).
Alone: each reader by itself for ${r.plan.aloneMs / 1000} s, no ingest and no other reader: what the request costs on its own (the
baseline). Under ingest: all four readers at once in each run of ingest at half load (${windows}, each after a
${r.plan.warmupMs / 1000} s warm-up), the runs alternating in pairs with runs without them.

| request | target p99 ms | under ingest p50 / p99 / max ms (requests) | alone p50 / p99 / max ms (requests) | p99 under ingest vs alone | first request ms | answer | verdict |
|---|---:|---|---|---:|---:|---|---|
${r.endpoints.map(endpointRow).join('\n')}

| ingest at half load (${windows}) | offered/s | accepted/s | PUBACK p50 / p99 / p99.9 / max ms | p99 of each run | p99 vs without readers | gateway CPU | database CPU | generator behind its schedule, p99 ms (worst run) | errors |
|---|---:|---:|---|---|---:|---:|---:|---:|---:|
${ingestRow('without readers (baseline)', r.withoutReaders, r.withoutReaders)}
${ingestRow('with the readers', r.withReaders, r.withoutReaders)}

PUBACK p99 with the readers no worse than without them: ${ratio(r.pubackP99Ratio)}, ${verdict(ratioMet)} (the median over the ${r.pairP99Ratios.length} pair${r.pairP99Ratios.length === 1 ? '' : 's'} of runs,
each pair's ratio: ${r.pairP99Ratios.map(ratio).join(', ')}; the pooled p99s': ${ratio(r.pooledP99Ratio)}; p50 ${ratio(p50Ratio)}).

The requests, as sent:

${r.endpoints.map((e) => `- ${e.name}: \`GET ${e.request}\``).join('\n')}
${r.notes.length === 0 ? '' : `\nNotes: ${r.notes.join('; ')}.`}`
}
