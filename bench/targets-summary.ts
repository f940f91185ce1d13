/**
 * The issue 6, 14 and 19 targets in one table at the top of bench/RESULTS.md, each
 * figure taken from the section that measured it in the same run, so a reader
 * sees what was met before the detail.
 */
import type { FaultLatencyResult } from './e2e/fault-latency.js'
import type { PinnedResult, StepResult, ThroughputResult } from './e2e/throughput-model.js'
import type { Rate } from './measure.js'
import { FLEET_CANDIDATE, type DecodeBenchResult } from './micro/decode.js'
import type { RuleBenchResult } from './micro/rules.js'
import type { StorageWriterResult } from './micro/storage-writer.js'
import { perConnection, type ConnectionScalingResult } from './scaling/connections.js'

export interface TargetInputs {
  decode?: DecodeBenchResult | undefined
  rules?: RuleBenchResult | undefined
  storageWriter?: StorageWriterResult | undefined
  faultLatency?: FaultLatencyResult[] | undefined
  throughput?: ThroughputResult | undefined
  connections?: ConnectionScalingResult | undefined
}

interface Row { target: string, measured: string, met: boolean | undefined }

const x = (r: number): string => `${r.toFixed(2)}×`
/** A ratio beside its target: three decimals where two would round it onto the target (0.796 is not 0.80) */
const nearX = (r: number, target: number): string => r.toFixed(2) === target.toFixed(2) && r < target ? `${r.toFixed(3)}×` : x(r)
const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1))

/** Our candidate's median (the one named, else the first named Pitwall…) over the ceiling's (the last candidate of a decode table). */
const CAN_ONLY_CEILING = 'hand-written ceiling (CAN columns only)'

/** Ours (`name`, or the first Pitwall row) against `ceilingName`, or against the last row, the ceiling. */
function vsCeiling (rates: Rate[], name?: string, ceilingName?: string): number {
  const ours = rates.find((r) => name === undefined ? r.name.startsWith('Pitwall') : r.name === name)
  const ceiling = ceilingName === undefined ? rates[rates.length - 1] : rates.find((r) => r.name === ceilingName)
  return ours === undefined || ceiling === undefined ? NaN : ours.median / ceiling.median
}

function p99Range (values: number[]): string {
  return values.length < 2 ? '' : `, runs ${ms(Math.min(...values))}–${ms(Math.max(...values))}`
}

function throughputRows (t: ThroughputResult): Row[] {
  const raw = t.targets.find((r) => r.name === 'raw-aedes')
  const ratio = t.ratios.pitwallVsRawAedesQos1
  const bound = raw?.maxIsLowerBound === true || raw?.maxCappedByGenerator === true ? ' (raw aedes held back by the generator: at most this)' : ''
  const half: StepResult | undefined = t.targets.find((r) => r.name === 'pitwall')?.halfLoad
  const p99 = half?.latencyMs?.p99
  return [
    {
      target: 'full pipeline ≥ 0.5× raw aedes QoS 1 throughput, nothing lost',
      measured: ratio === undefined ? 'n/a' : `${x(ratio)}${bound}; ${t.loss.lost} of ${t.loss.checked.toLocaleString('en-US')} acknowledged batches missing`,
      met: ratio === undefined ? undefined : ratio >= 0.5 && t.loss.lost === 0
    },
    ...('skipped' in t.pinned ? [] : [pinnedRow(t.pinned)]),
    {
      target: 'PUBACK p99 < 20 ms at half of the maximum load',
      measured: p99 === undefined ? 'n/a' : `${ms(p99)} ms at ${t.halfLoadPerS.toLocaleString('en-US')}/s${p99Range((half?.runs ?? []).flatMap((r) => r.latencyMs === undefined ? [] : [r.latencyMs.p99]))}`,
      met: p99 === undefined ? undefined : p99 < 20
    }
  ]
}

/** The same target with the generator and the target on cores of their own (issue 19 item 5). */
function pinnedRow (p: PinnedResult): Row {
  const pitwall = p.targets.find((r) => r.name === 'pitwall')
  const raw = p.targets.find((r) => r.name === 'raw-aedes')
  const ratio = pitwall === undefined || raw === undefined || raw.maxQos1PerS === 0 ? undefined : pitwall.maxQos1PerS / raw.maxQos1PerS
  const bound = raw?.maxIsLowerBound === true || raw?.maxCappedByGenerator === true ? ' (raw aedes held back by the generator: at most this)' : ''
  return {
    target: `the same, generator on CPU ${p.cores.generator} and target with its database on CPU ${p.cores.target} (pinned)`,
    measured: ratio === undefined ? 'n/a' : `${x(ratio)}${bound}; ${p.loss.lost} of ${p.loss.checked.toLocaleString('en-US')} acknowledged batches missing`,
    met: ratio === undefined ? undefined : ratio >= 0.5 && p.loss.lost === 0
  }
}

function faultRows (f: FaultLatencyResult[]): Row[] {
  return f.map((run) => ({
    target: `publish → fault stored p99 < 50 ms (${run.storage})`,
    measured: `${ms(run.withTransition.p99)} ms, ${run.vehicles} × ${run.rateHz} Hz${p99Range(run.rounds.map((r) => r.withTransition.p99))}`,
    met: run.withTransition.p99 < 50
  }))
}

function connectionRow (c: ConnectionScalingResult): Row {
  const aedes = c.brokers.find((b) => b.broker === 'raw aedes')
  const pitwall = c.brokers.find((b) => b.broker === 'Pitwall')
  const last = c.fleetSizes.length - 1
  const largest = c.fleetSizes[last] ?? 0
  const ratio = aedes === undefined || pitwall === undefined ? NaN : perConnection(pitwall, last, 'idle') / perConnection(aedes, last, 'idle')
  const short = largest < 10_000 ? ` (this run reached ${largest.toLocaleString('en-US')} only)` : ''
  return {
    target: '10,000 connected vehicles, RSS per connection ≤ 1.5× raw aedes',
    measured: Number.isFinite(ratio) ? `${x(ratio)} at ${largest.toLocaleString('en-US')} idle vehicles${short}` : 'n/a: a broker did not reach the largest fleet',
    met: Number.isFinite(ratio) ? ratio <= 1.5 && largest >= 10_000 : undefined
  }
}

/** The engine with every rule against the one-compare ceiling (issue 19): the second and last of the section's interleaved rates. */
function rulesRow (b: RuleBenchResult): Row {
  const ratio = vsCeiling(b.rates, b.rates[1]?.name)
  return { target: `rule evaluation ≥ 0.25× the one-compare ceiling at ${b.rules} rules`, measured: nearX(ratio, 0.25), met: ratio >= 0.25 }
}

export function renderTargets (r: TargetInputs): string {
  const rows: Row[] = [
    ...(r.throughput === undefined ? [] : throughputRows(r.throughput)),
    ...(r.faultLatency === undefined ? [] : faultRows(r.faultLatency)),
    ...(r.decode === undefined
      ? []
      : [
          { target: 'batch decode ≥ 0.8× the hand-written ceiling (CAN-only batches)', ratio: vsCeiling(r.decode.batchDecodeCanOnly) },
          { target: `batch decode ≥ 0.8× the hand-written ceiling (demo mix: CAN, OBD-II, GNSS, edge signals; ${x(vsCeiling(r.decode.batchDecodeDemo, undefined, CAN_ONLY_CEILING))} of the CAN-only ceiling, which leaves the rest unread)`, ratio: vsCeiling(r.decode.batchDecodeDemo) },
          { target: 'signal decode ≥ 0.8× the hand-written ceiling', ratio: vsCeiling(r.decode.signalDecode) },
          { target: `signal decode with ${r.decode.fleet.models} models × ${r.decode.fleet.busesPerModel} buses loaded ≥ 0.8× the hand-written ceiling`, ratio: vsCeiling(r.decode.signalDecode, FLEET_CANDIDATE) }
        ].map(({ target, ratio }) => ({ target, measured: nearX(ratio, 0.8), met: ratio >= 0.8 }))),
    ...(r.rules === undefined ? [] : [rulesRow(r.rules)]),
    ...(r.storageWriter === undefined ? [] : [{ target: 'storage writer ≥ 0.8× plain COPY on the same rows', measured: x(r.storageWriter.writerVsCopy), met: r.storageWriter.writerVsCopy >= 0.8 }]),
    ...(r.connections === undefined ? [] : [connectionRow(r.connections)])
  ]
  if (rows.length === 0) return ''
  const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'met' : 'missed')
  return `## Targets (issues 6, 14 and 19)

Each figure is from its section below, measured in this run; ratios are against baselines of the same run.

| target | measured | verdict |
|---|---|---|
${rows.map((row) => `| ${row.target} | ${row.measured} | ${verdict(row.met)} |`).join('\n')}`
}
