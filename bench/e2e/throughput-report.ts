/** ThroughputResult -> the markdown section of bench/RESULTS.md: absolute figures and ratios to the baselines of the same run. */
import type { LatencySummary, PinnedResult, RunFigures, StepResult, TargetResult, ThroughputResult } from './throughput-model.js'
import { MAX_PROJECTION_GROWTH } from './throughput-steps.js'

const int = (x: number | undefined): string => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'))
const ms = (x: number | undefined): string => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1))
const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}×`)
const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${Math.round(x)} %`)

function lat (l: LatencySummary | undefined): string {
  return l === undefined ? 'n/a | n/a | n/a' : `${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.p999)}`
}

/** ` (lo–hi over n runs)` of a repeated step's per-run figure; empty for a single run. */
function runRange (s: StepResult | undefined, value: (r: RunFigures) => number | undefined, format: (x: number | undefined) => string): string {
  const xs = (s?.runs ?? []).map(value).filter((x): x is number => x !== undefined)
  if (xs.length < 2) return ''
  return ` (${format(Math.min(...xs))}–${format(Math.max(...xs))} over ${xs.length} runs)`
}

function capped (s: StepResult | undefined): string {
  return s?.cappedByGenerator === true ? ' (capped by the generator)' : ''
}

function summaryTable (r: ThroughputResult): string {
  const raw = r.targets.find((t) => t.name === 'raw-aedes')
  const mosquitto = r.targets.find((t) => t.name === 'mosquitto' && t.skipped === undefined)
  const rows = r.targets.map((t) => {
    if (t.skipped !== undefined) return `| ${t.label} | skipped: ${t.skipped} | | | | |`
    const max = t.maxQos1PerS
    const bound = t.maxIsLowerBound ? ' (no step failed: the search stopped at the generator\'s ceiling, a lower bound)' : ''
    const runs = t.atMax?.runs
    const held = (runs === undefined ? '' : `; ${runs.filter((x) => x.passed).length} of ${runs.length} runs at ${int(t.atMax?.offeredPerS)}/s passed${runRange(t.atMax, (x) => x.acceptedPerS, int)}`) + notHeldText(t.notHeld)
    return `| ${t.label} | ${t.maxIsLowerBound ? '≥ ' : ''}${int(max)}${t.maxCappedByGenerator ? ' (capped by the generator)' : ''}${bound}${held} | ${int(max * r.canFramesPerBatch)} | ${int(t.saturatedPerS)} | ` +
      `${ratio(raw === undefined || raw.maxQos1PerS === 0 ? undefined : max / raw.maxQos1PerS)} | ${ratio(mosquitto === undefined || mosquitto.maxQos1PerS === 0 ? undefined : max / mosquitto.maxQos1PerS)} |`
  })
  return ['| target | max QoS 1 batches/s (passed) | CAN frames/s | accepted/s when overloaded | vs raw aedes | vs Mosquitto |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

/** The rates above a maximum that did not hold, as the summary says them. */
export function notHeldText (notHeld: TargetResult['notHeld']): string {
  return (notHeld ?? []).map((n) => `; ${int(n.offeredPerS)}/s did not hold (${n.passed} of ${n.runs} runs passed; failed by ${(n.failedBy ?? []).join(', ')})`).join('')
}

function stepRow (t: TargetResult, s: StepResult): string {
  return `| ${t.label} | ${int(s.offeredPerS)} | ${int(s.acceptedPerS)} | ${int(s.canFramesPerS)} | ${lat(s.latencyMs)} | ${pct(s.targetCpuPct)} | ` +
    `${pct(s.databaseCpuPct)} | ${int(s.rssMiB)} | ${pct(s.generatorCpuPct)} | ${s.projectionGrowth === undefined ? 'n/a' : int(s.projectionGrowth)} | ${s.errors} | ${s.passed ? 'pass' : 'fail'}${capped(s)} |`
}

const STEP_HEAD = '| target | offered/s | accepted/s | CAN frames/s | p50 ms | p99 ms | p99.9 ms | broker CPU | database CPU | broker RSS MiB | generator CPU | rows behind: projector queue growth, batches | errors | verdict |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|'

function searchTable (targets: TargetResult[]): string {
  return [STEP_HEAD, ...targets.flatMap((t) => t.search.map((s) => stepRow(t, s)))].join('\n')
}

function halfLoadTable (r: ThroughputResult): string {
  const raw = r.targets.find((t) => t.name === 'raw-aedes')?.halfLoad?.latencyMs
  const rows = r.targets.filter((t) => t.halfLoad !== undefined).map((t) => {
    const s = t.halfLoad as StepResult
    const l = s.latencyMs
    return `| ${t.label} | ${int(s.offeredPerS)} | ${int(s.acceptedPerS)} | ${ms(l?.p50)} | ${ms(l?.p99)}${runRange(s, (x) => x.latencyMs?.p99, ms)} | ${ms(l?.p999)} | ${ms(l?.max)} | ${int(l?.count)} | ` +
      `${ratio(l === undefined || raw === undefined ? undefined : l.p99 / raw.p99)} | ${pct(s.targetCpuPct)} | ${pct(s.databaseCpuPct)} |`
  })
  return ['| target | offered/s | accepted/s | p50 ms | p99 ms | p99.9 ms | max ms | samples | p99 vs raw aedes | broker CPU | database CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

/** Every run of the repeated steps (at each target's maximum and at half load): how far a figure moves between runs. */
function runsTable (targets: TargetResult[]): string {
  const rows = targets.flatMap((t) => ([['maximum', t.atMax], ['half load', t.halfLoad]] as const).flatMap(([what, s]) =>
    (s?.runs ?? []).map((x, k) => `| ${t.label} | ${what}, ${int(s?.offeredPerS)}/s | ${k + 1} | ${int(x.acceptedPerS)} | ${lat(x.latencyMs)} | ` +
      `${pct(x.targetCpuPct)} | ${pct(x.databaseCpuPct)} | ${pct(x.generatorCpuPct)} | ${x.errors} | ${x.passed ? 'pass' : 'fail'} |`)))
  return ['| target | step | run | accepted/s | p50 ms | p99 ms | p99.9 ms | broker CPU | database CPU | generator CPU | errors | verdict |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n')
}

function qos0Table (r: ThroughputResult): string {
  const rows = r.targets.filter((t) => t.qos0 !== undefined).map((t) => {
    const s = t.qos0 as StepResult
    return `| ${t.label} | ${int(s.offeredPerS)} | ${int(s.sentPerS)} | ${int(s.acceptedPerS)} | ${int(s.canFramesPerS)} | ${pct(s.targetCpuPct)} | ${pct(s.databaseCpuPct)} | ${int(s.rssMiB)} |`
  })
  return ['| target | offered/s | sent/s | taken in/s (stored, for Pitwall) | CAN frames/s | broker CPU | database CPU | broker RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

function pipelineTable (r: ThroughputResult): string {
  const p = r.targets.find((t) => t.name === 'pitwall')
  if (p === undefined) return ''
  const steps = [...p.search.map((s) => ({ what: `QoS 1 at ${int(s.offeredPerS)}/s`, s })), ...(p.halfLoad === undefined ? [] : [{ what: `QoS 1 at half load, ${int(p.halfLoad.offeredPerS)}/s`, s: p.halfLoad }]),
    ...(p.qos0 === undefined ? [] : [{ what: `QoS 0 at ${int(p.qos0.offeredPerS)}/s`, s: p.qos0 }])]
  const rows = steps.map(({ what, s }) => `| ${what} | ${int(s.acceptedPerS)} | ${int(s.decodedSignalsPerS)} | ${int(s.rowsPerS)} | ${int(s.faultEventsPerS)} | ${pct(s.targetCpuPct)} | ${pct(s.databaseCpuPct)} | ${int(s.peakRssMiB)} |`)
  return ['| Pitwall run | batches stored/s | decoded CAN signals/s | signal rows stored/s | fault transitions/s | gateway CPU | database CPU | gateway peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

/** CPU ms per 1,000 batches: `pct` % of one core over a window in which `perS` batches/s were accepted. */
export function perThousand (pct: number | undefined, perS: number | undefined): number | undefined {
  return pct === undefined || perS === undefined || perS <= 0 ? undefined : (pct * 10_000) / perS
}

const cpuMs = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(1))

/** Broker (gateway) plus database CPU per 1,000 batches of a step. */
function totalPerThousand (s: StepResult | undefined): number | undefined {
  const broker = perThousand(s?.targetCpuPct, s?.acceptedPerS)
  return broker === undefined ? undefined : broker + (perThousand(s?.databaseCpuPct, s?.acceptedPerS) ?? 0)
}

interface CpuMode { name: string, cores: string, halfLoadPerS: number, targets: TargetResult[] }

function cpuModes (r: ThroughputResult): CpuMode[] {
  const shared: CpuMode = { name: 'shared', cores: `${r.cores} CPUs shared by generator, target and database`, halfLoadPerS: r.halfLoadPerS, targets: r.targets }
  if ('skipped' in r.pinned) return [shared]
  const p = r.pinned
  return [shared, { name: 'pinned', cores: `generator on CPU ${p.cores.generator}; target and database on CPU ${p.cores.target}`, halfLoadPerS: p.halfLoadPerS, targets: p.targets }]
}

function cpuTable (modes: CpuMode[]): string {
  const rows = modes.flatMap((m) => m.targets.filter((t) => t.skipped === undefined).map((t) => {
    const cell = (s: StepResult | undefined, pct: (x: RunFigures | StepResult) => number | undefined): string =>
      `${cpuMs(s === undefined ? undefined : perThousand(pct(s), s.acceptedPerS))}${runRange(s, (x) => perThousand(pct(x), x.acceptedPerS), cpuMs)}`
    return `| ${m.name} | ${t.label} | ${t.maxIsLowerBound ? '≥ ' : ''}${int(t.maxQos1PerS)}${t.maxCappedByGenerator ? ' (capped by the generator)' : ''} | ` +
      `${cell(t.atMax, (x) => x.targetCpuPct)} | ${cell(t.atMax, (x) => x.databaseCpuPct)} | ${int(t.halfLoad?.offeredPerS)} | ${cell(t.halfLoad, (x) => x.targetCpuPct)} | ${cell(t.halfLoad, (x) => x.databaseCpuPct)} |`
  }))
  return ['| mode | target | max QoS 1 batches/s | at max: broker CPU ms / 1,000 batches | database | half load, batches/s | at half load: broker | database |',
    '|---|---|---:|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

function cpuRatioTable (modes: CpuMode[]): string {
  const rows = modes.map((m) => {
    const p = m.targets.find((t) => t.name === 'pitwall')
    const raw = m.targets.find((t) => t.name === 'raw-aedes')
    const of = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b)
    const rawBound = raw?.maxIsLowerBound === true || raw?.maxCappedByGenerator === true ? ' (raw aedes held back by the generator: at most this)' : ''
    return `| ${m.name} | ${m.cores} | ${ratio(of(p?.maxQos1PerS, raw?.maxQos1PerS))}${rawBound} | ${ratio(of(totalPerThousand(p?.atMax), totalPerThousand(raw?.atMax)))} | ` +
      `${ratio(of(totalPerThousand(p?.halfLoad), totalPerThousand(raw?.halfLoad)))} |`
  })
  return ['| mode | cores | Pitwall / raw aedes: max QoS 1 batches/s | CPU per batch (gateway + database / raw aedes), each at its maximum | the same at half load |',
    '|---|---|---:|---:|---:|', ...rows].join('\n')
}

function pinnedDetail (p: PinnedResult | { skipped: string }): string {
  if ('skipped' in p) return `Pinned mode skipped: ${p.skipped}.`
  const settings = Object.entries(p.postgresSettings).map(([k, v]) => `${k}=${v}`).join(', ')
  return `Pinned mode (${p.elapsedS} s):

${p.notes.map((n) => `- ${n}`).join('\n')}
- the private PostgreSQL cluster ran with the shared server's ${settings} (base units)
- generator ceiling on its one core (closed loop against raw aedes): ${int(p.generator.qos0PerS)} QoS 0 publishes/s, ${int(p.generator.qos1PerS)} QoS 1 batches/s
- nothing lost: ${int(p.loss.checked)} batches Pitwall acknowledged looked up, ${p.loss.lost} missing

Every step of the pinned search:

${searchTable(p.targets)}

Spread between runs, pinned:

${runsTable(p.targets)}`
}

/** Pitwall writes decoded rows after the PUBACK: what each of its steps waited for the one before (bench/e2e/settle.ts). */
function settleNote (r: ThroughputResult): string {
  const waits = r.targets.filter((t) => t.name === 'pitwall').flatMap((t) => t.search).map((s) => s.settle).filter((w) => w !== undefined)
  if (waits.length === 0) return ''
  const longest = Math.max(...waits.map((w) => w.ms))
  const unsettled = waits.filter((w) => !w.done).length
  return `Pitwall writes the decoded rows of a batch after its PUBACK, so each of its steps starts once the gateway has written those of
the step before (its projection queue empty), and its half-load runs once the rollup has also taken in the minutes the search
filled; raw aedes and Mosquitto keep nothing after a PUBACK. The longest wait before a search step: ${(longest / 1000).toFixed(1)} s${unsettled === 0 ? '' : ` (${unsettled} step${unsettled === 1 ? '' : 's'} began before the queue was empty)`}.
`
}

export function renderThroughput (r: ThroughputResult): string {
  const s = r.sanity
  const sanityLine = (name: string, x: typeof s.pitwall): string => `${name} ${int(x.acknowledged)} of ${int(x.sent)} acknowledged, ${x.errors} errors (${x.ok ? 'ok' : 'FAILED'})`
  return `## End to end: fleet → broker, QoS 1 and QoS 0, against raw aedes and Mosquitto

${r.vehicles} simulated T-boxes (real mqtt.js clients, one credential each) in ${r.workers} load-generator processes publish the
demo vehicle's batches (${r.canFramesPerBatch} CAN frames, ${int(r.payloadBytes)} bytes, fresh seq each) open loop: every publish has its
time on a schedule fixed from the start, and latency runs from that scheduled time to the PUBACK, so a slow
broker cannot hold back the load (no coordinated omission). Targets, measured one after the other in this run:
Pitwall's full pipeline (\`pitwall start\` on a PostgreSQL database of its own, demo DBC, ${r.rules} demo rules, PUBACK
after commit), raw aedes (authorizePublish calling back at once) and the system Mosquitto. Each QoS 1 step has
${r.plan.warmupMs} ms of warm-up and a ${r.plan.measureMs} ms measured window; the offered rate climbs (${r.plan.ladder.join(', ')} batches/s) until fewer than
${Math.round(r.plan.minAccepted * 100)} % of the offered batches are acknowledged in the window or p99 passes ${r.plan.maxP99Ms} ms, or, for Pitwall, its decoded rows fall
behind: its projector's queue grows over the window by more than ${Math.round(MAX_PROJECTION_GROWTH * 100)} % of the batches acknowledged in it. A rate holds when
${r.plan.repeats} runs of it pass, and the next rate is tried only then (so no overloaded rate runs before the maximum is known); the
maximum is the highest rate that held. Half load is run ${r.plan.repeats} times (${r.plan.halfLoadMs} ms windows), each run with its own warm-up and
drain: the maximum is the median run, latencies are pooled over the runs, and every run is listed. Mode: ${r.mode}; ${r.elapsedS} s.
${settleNote(r)}

${r.notes.map((n) => `- ${n}`).join('\n')}
- generator ceiling (closed loop against raw aedes, same workers): ${int(r.generator.qos0PerS)} QoS 0 publishes/s, ${int(r.generator.qos1PerS)} QoS 1 batches/s
  acknowledged; a figure at ≥ 90 % of it is labelled "capped by the generator".

### Maximum QoS 1 throughput

${summaryTable(r)}

Every step of the search:

${searchTable(r.targets)}

### PUBACK latency at half of Pitwall's maximum (${int(r.halfLoadPerS)} batches/s offered to every target, latencies of ${r.plan.repeats} runs pooled)

${halfLoadTable(r)}

### Spread between runs

${runsTable(r.targets)}

### QoS 0 at Pitwall's maximum (${int(r.fullLoadPerS)} batches/s offered)

${qos0Table(r)}

### Pitwall's pipeline

The template vehicle is healthy: the demo rules see every decoded sample but raise no fault (publish → fault
latency is measured in its own section).

${pipelineTable(r)}

Nothing lost: ${int(r.loss.checked)} batches acknowledged at QoS 1 looked up in the batches table, ${r.loss.lost} missing
(${int(r.loss.storedBatches)} batches stored in all, QoS 0 included).

Sanity (${s.vehicles} vehicles × ${s.ratePerVehicle} batches/s for ${s.durationMs / 1000} s, QoS 1): ${sanityLine('raw aedes', s.rawAedes)}; ${sanityLine('Pitwall', s.pitwall)}.

### CPU per batch: cores shared, and generator and target pinned apart

On shared cores the generator takes what the target leaves, so a throughput ratio also measures the generator.
The pinned mode runs the same search and half load again with the load generator on one core and the target on
the other (taskset): Pitwall with a private PostgreSQL cluster on the target's core (the shared server is a
system service, never re-pinned), raw aedes, and a private Mosquitto. CPU per 1,000 acknowledged batches is
(% of a core) ÷ (batches/s) of the median run; ranges are over its runs. Database: for the shared mode the
bench database's backends and the shared cluster's WAL writer, checkpointer and background writer; pinned,
every process of the private cluster.

${cpuTable(cpuModes(r))}

${cpuRatioTable(cpuModes(r))}

${pinnedDetail(r.pinned)}
`
}
