/** bench/results.json -> bench/RESULTS.md: tables with absolute figures and ratios to the baseline of the same run. */
import type { ApiBenchResult } from './api/model.js'
import { renderApiBench } from './api/report.js'
import type { DiagnosticLatencyResult } from './e2e/diagnostic-latency.js'
import type { FaultLatencyResult } from './e2e/fault-latency.js'
import { renderHostileVehicle, type HostileVehicleResult } from './e2e/hostile-vehicle.js'
import type { ThroughputResult } from './e2e/throughput-model.js'
import { renderThroughput } from './e2e/throughput-report.js'
import type { Machine } from './machine.js'
import type { Rate } from './measure.js'
import { FLEET_CANDIDATE, type DecodeBenchResult } from './micro/decode.js'
import type { RuleBenchResult } from './micro/rules.js'
import { renderStorageWriter, type StorageWriterResult } from './micro/storage-writer.js'
import { renderStorageFootprint, type StorageFootprintResult } from './scaling/storage-footprint.js'
import { renderBatchSizeScaling, type BatchSizeResult } from './scaling/batch-size.js'
import { renderConnectionScaling, type ConnectionScalingResult } from './scaling/connections.js'
import { renderScaleOut, type ScaleOutResult } from './scaling/scale-out.js'
import { renderSustained, type SustainedResult } from './scaling/sustained.js'
import { CHART_FILES, halfLoadCdfSeries, vehicleThroughputSeries } from './scaling/svg.js'
import { renderTargets } from './targets-summary.js'

/** Every section is optional: `--only` runs a subset. */
export interface BenchResults {
  machine: Machine
  mode: string
  options: { rounds: number, roundMs: number, warmupMs: number }
  durationS: number
  /** seconds each section took, in run order */
  sectionsS: Record<string, number>
  /**
   * With `--merge`: the earlier run whose other sections these results keep
   * (its machine line, mode and section times); the sections above are this
   * run's own
   */
  /** the earlier runs whose sections a `--merge` kept, newest first (one object in results from before there could be several) */
  mergedFrom?: EarlierRun[] | EarlierRun | undefined
  decode?: DecodeBenchResult | undefined
  batchSize?: BatchSizeResult | undefined
  rules?: RuleBenchResult | undefined
  storageWriter?: StorageWriterResult | undefined
  storageFootprint?: StorageFootprintResult | undefined
  faultLatency?: FaultLatencyResult[] | undefined
  hostileVehicle?: HostileVehicleResult | undefined
  throughput?: ThroughputResult | undefined
  connections?: ConnectionScalingResult | undefined
  scaleOut?: ScaleOutResult | undefined
  sustained?: SustainedResult | undefined
  api?: ApiBenchResult | undefined
  diagnostics?: DiagnosticLatencyResult | undefined
}

const millions = (x: number): string => (x / 1e6).toFixed(1)
const thousands = (x: number): string => Math.round(x / 1e3).toLocaleString('en-US')

/** A section followed by its charts of bench/charts/ (run.ts draws them from the same results; none when undefined). */
function withCharts (section: string, charts: Array<{ alt: string, file: string } | undefined>): string {
  return [section.trimEnd(), ...charts.flatMap((c) => c === undefined ? [] : [`![${c.alt}](charts/${c.file})`])].join('\n\n')
}

/** One table: each row against the last row (the ceiling). */
function rateTable (rates: Rate[], unit: string): string {
  const ceiling = rates[rates.length - 1]?.median ?? 1
  const rows = rates.map((r) =>
    `| ${r.name} | ${millions(r.median)} | ${millions(r.min)}–${millions(r.max)} | ${thousands(r.callsPerS)} | ${(r.median / ceiling).toFixed(2)}× |`)
  return [`| candidate | M ${unit}/s (median) | spread (min–max) | k batches/s | vs ceiling |`, '|---|---:|---:|---:|---:|', ...rows].join('\n')
}

/** Rule evaluation: each row against the no-rules baseline and, where given, the ceiling. */
function ruleTable (rows: Array<{ label: string, rate: Rate }>, baseline: Rate, ceiling?: Rate): string {
  const lines = rows.map(({ label, rate: r }) =>
    `| ${label} | ${millions(r.median)} | ${millions(r.min)}–${millions(r.max)} | ${Math.round(r.callsPerS).toLocaleString('en-US')} | ${(r.median / baseline.median).toFixed(3)}× |` +
    (ceiling === undefined ? '' : ` ${(r.median / ceiling.median).toFixed(3)}× |`))
  const head = '| candidate | M samples/s (median) | spread (min–max) | batches/s | vs no rules |' + (ceiling === undefined ? '' : ' vs ceiling |')
  const rule = '|---|---:|---:|---:|---:|' + (ceiling === undefined ? '' : '---:|')
  return [head, rule, ...lines].join('\n')
}

function renderRules (b: RuleBenchResult): string {
  const [none, engine, ceiling] = b.rates as [Rate, Rate, Rate]
  const mix = Object.entries(b.ruleMix).map(([kind, n]) => `${n} ${kind}`).join(', ')
  const opened = Object.entries(b.events.openedByKind).map(([kind, n]) => `${kind} ${n}`).join(', ')
  const perSample = (bytes: number): string => (bytes / b.samplesPerBatch).toFixed(1)
  return `## Rule evaluation: samples → fault transitions (RuleEngine)

A synthetic fleet built in code: ${b.vehicles.toLocaleString('en-US')} vehicles in turn, each batch one second of one vehicle,
${b.samplesPerBatch.toFixed(0)} samples over ${b.signalsPerBatch.toFixed(0)} signals of a ${b.catalogSignals.toLocaleString('en-US')}-signal catalog; ${b.rules} rules (${mix}),
each reading 1–3 signals. Per batch the engine's signal index yields ${b.pairsPerBatch.toFixed(0)} (sample, rule) pairs,
and ${b.timedStepsPerBatch} time-based rules are stepped at its end. Baselines in the same run: the engine with no rules
(signal state updates only), and a hand-written ceiling doing one threshold compare over typed arrays per
(sample, rule) pair and per time-based rule, checked to visit the same pairs before timing.

${ruleTable([{ label: 'signal state only (no rules)', rate: none }, { label: `RuleEngine, ${b.rules} rules`, rate: engine }, { label: 'hand-written ceiling (one compare per rule touched)', rate: ceiling }], none, ceiling)}

Scaling with the number of rules (the first n of the same generated pool):

${ruleTable(b.scaling.map((s) => ({ label: `${s.rules.toLocaleString('en-US')} rules`, rate: s.rate })), none)}

The rules fire: over a check run of ${b.events.batches.toLocaleString('en-US')} batches before timing, ${b.events.opened} faults opened, ${b.events.reoccurred} reoccurred
and ${b.events.cleared} cleared (opened by top-level condition: ${opened}); while timed, ${b.eventsPerBatchTimed.toFixed(2)} transitions per batch
with ${b.rules} rules, each with its freeze frame.

| heap allocated per batch | bytes | bytes per sample |
|---|---:|---:|
| no rules | ${Math.round(b.allocation.zeroRules)} | ${perSample(b.allocation.zeroRules)} |
| ${b.rules} rules (fault events and their evidence included) | ${Math.round(b.allocation.rules)} | ${perSample(b.allocation.rules)} |
`
}

/** Where the sections this run did not re-run come from. */
/** One earlier run a merged result keeps sections of. */
export interface EarlierRun { machine: Machine, mode: string, durationS: number, sectionsS: Record<string, number> }

/** The earlier runs of a merged result, as a list whichever form results.json holds. */
export function earlierRuns (r: Pick<BenchResults, 'mergedFrom'>): EarlierRun[] {
  return r.mergedFrom === undefined ? [] : Array.isArray(r.mergedFrom) ? r.mergedFrom : [r.mergedFrom]
}

function mergedLine (from: EarlierRun): string {
  const m = from.machine
  return `
- from an earlier ${from.mode} run (\`--merge\`): commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}; ${m.date}; ${m.cpu}, ${m.cores} cores; that run ${from.durationS} s
  (${Object.entries(from.sectionsS).map(([name, s]) => `${name} ${s} s`).join(', ')}); ratios are within a section, so each holds for its own run`
}

export function renderResults (r: BenchResults): string {
  const m = r.machine
  const sections = [
    `# Benchmark results

Generated by \`npm run bench\` from \`bench/results.json\`; do not edit by hand.

- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}
- commit: ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}; ${m.date}
- mode: ${r.mode} (micro-benchmarks: ${r.options.rounds} rounds of ${r.options.roundMs} ms per candidate after ${r.options.warmupMs} ms warm-up, candidates interleaved; one core); ${r.mergedFrom === undefined ? 'whole run' : 'this run'} ${r.durationS} s
  (${Object.entries(r.sectionsS).map(([name, s]) => `${name} ${s} s`).join(', ')}; the build before it not counted)${earlierRuns(r).map(mergedLine).join('')}`,
    renderTargets(r) === '' ? undefined : renderTargets(r),
    r.decode === undefined ? undefined : renderDecode(r.decode),
    r.batchSize === undefined ? undefined : renderBatchSizeScaling(r.batchSize),
    r.rules === undefined ? undefined : renderRules(r.rules),
    r.storageWriter === undefined ? undefined : renderStorageWriter(r.storageWriter),
    r.storageFootprint === undefined ? undefined : renderStorageFootprint(r.storageFootprint),
    r.faultLatency === undefined ? undefined : renderFaultLatency(r.faultLatency),
    r.hostileVehicle === undefined ? undefined : renderHostileVehicle(r.hostileVehicle),
    r.throughput === undefined
      ? undefined
      : withCharts(renderThroughput(r.throughput), [
        halfLoadCdfSeries(r.throughput).length === 0 ? undefined : { alt: 'PUBACK latency CDF at half load', file: CHART_FILES.halfLoadLatencyCdf }
      ]),
    r.connections === undefined
      ? undefined
      : withCharts(renderConnectionScaling(r.connections), [
        { alt: 'RSS per connection', file: CHART_FILES.rssPerConnection },
        vehicleThroughputSeries(r.connections).length === 0 ? undefined : { alt: 'Batches/s acknowledged vs connected vehicles', file: CHART_FILES.throughputVsVehicles }
      ]),
    r.scaleOut === undefined ? undefined : renderScaleOut(r.scaleOut),
    r.sustained === undefined ? undefined : renderSustained(r.sustained),
    r.api === undefined ? undefined : renderApiBench(r.api),
    r.diagnostics === undefined ? undefined : renderDiagnostics(r.diagnostics)
  ]
  return sections.filter((x) => x !== undefined).join('\n\n') + '\n'
}

function renderDecode (d: DecodeBenchResult): string {
  const f = d.fleet
  const single = d.signalDecode[0]?.median ?? NaN
  const fleet = d.signalDecode.find((r) => r.name === FLEET_CANDIDATE)?.median ?? NaN
  return `## Batch decode: TelemetryBatch bytes → CAN frame columns

Simulator batches of the demo vehicle, ${d.framesPerBatch.toFixed(0)} CAN frames each. The ceiling reads the
packed CAN columns into typed arrays and nothing else (no envelope, no validation).

CAN frames only (envelope: vin, seq, base time):

${rateTable(d.batchDecodeCanOnly, 'frames')}

As the simulator sends them (CAN plus ${d.demoBatchExtras}). Two ceilings: the CAN-only one above,
which skips the other entries unread, and one that reads every entry into columns as Pitwall does (OBD-II
responses, DTCs, GNSS fixes and edge samples too; checked to read the same counts and values), without
validation. The ratio is taken against the second, which does the same work:

${rateTable(d.batchDecodeDemo, 'frames')}

## Signal decode: CAN frame columns → samples (demo vehicle DBC)

${d.signalsPerBatch.toFixed(0)} signal values per batch. The ceiling is the demo DBC decoded by hand, checked to yield
exactly the same samples before timing.

The second row is the same decode as a mixed fleet runs it: ${f.models} decoder manifests (model-00, model-01, …) in a
DecoderRegistry, each of ${f.busesPerModel} buses: the demo DBC on bus 0, which the batches are on, and on the others
${f.otherBuses}.
Each batch is the next model's: its manifest is looked up, then its own compiled network decodes, so the decode
call sees ${f.models} networks. Checked to yield the same sample values as the single network before timing. V8
optimizes each network's generated code on its own, so this row is warmed ${f.models} times as long as the others:
the single network's warm-up for each model's.

${rateTable(d.signalDecode, 'signals')}

With ${f.models} models loaded: ${(fleet / single).toFixed(2)}× the single network. The ${f.models} manifests hold ${f.channels.toLocaleString('en-US')} channels
(DBC signals) in all; parsing, resolving and compiling them took ${Math.round(f.parseResolveCompileMs)} ms
(${(f.parseResolveCompileMs / f.models).toFixed(1)} ms per model), and they retain ${(f.heapBytes / 2 ** 20).toFixed(1)} MiB of heap
(${(f.heapBytes / f.models / 1024).toFixed(0)} KiB per model; after a full GC, before any of them decoded a frame).

## Heap allocated per batch (V8 young generation, between two collections)

| code | bytes per batch | bytes per frame |
|---|---:|---:|
| decodeBatch, CAN only | ${Math.round(d.allocation.decodeBatchCanOnly)} | ${(d.allocation.decodeBatchCanOnly / d.framesPerBatch).toFixed(2)} |
| decodeBatch, demo mix (protobufjs objects for OBD, GNSS, edge signals) | ${Math.round(d.allocation.decodeBatchDemo)} | ${(d.allocation.decodeBatchDemo / d.framesPerBatch).toFixed(2)} |
| compiled DBC decodeFrames | ${Math.round(d.allocation.decodeFrames)} | ${(d.allocation.decodeFrames / d.framesPerBatch).toFixed(2)} |`
}

function renderFaultLatency (faultLatency: FaultLatencyResult[]): string {
  return `## Publish → fault stored, end to end

An in-process gateway (load from mqtt.js clients in the same process) with a threshold rule; vehicles
publish open-loop at a fixed rate. Half of them flip the coolant temperature across the threshold on
every batch, so each of their batches opens or clears a fault, which is stored before the PUBACK:
their publish → PUBACK is publish → fault stored. The other half raise nothing (same run, baseline).
Latency runs from each publish's scheduled time. After a warm-up round (not counted) the run is split into
rounds, each drained before the next: percentiles pool every round, and the p99 of each round shows the spread.

| storage | vehicles × rate | transitions | publish → fault p50 / p99 / p99.9 / max (ms) | p99 of each round (ms) | no transition p50 / p99 / p99.9 (ms) |
|---|---|---:|---|---|---|
${faultLatency.map((f) => `| ${f.storage} | ${f.vehicles} × ${f.rateHz} Hz, ${f.durationS} s | ${f.faultTransitions} | ${f.withTransition.p50} / ${f.withTransition.p99} / ${f.withTransition.p999} / ${f.withTransition.max} | ${f.rounds.map((x) => x.withTransition.p99).join(', ')} | ${f.withoutTransition.p50} / ${f.withoutTransition.p99} / ${f.withoutTransition.p999} |`).join('\n')}`
}

function renderDiagnostics (d: DiagnosticLatencyResult): string {
  const row = (name: string, l: DiagnosticLatencyResult['diagnostic']): string =>
    `| ${name} | ${l.count} | ${l.p50} | ${l.p99} | ${l.max} | ${(l.p50 / d.mqttRoundTrip.p50).toFixed(1)}× |`
  return `## Remote diagnosis: request → answer shown

${d.vehicles} simulated T-boxes on ${d.storage}, streaming telemetry at 1 Hz meanwhile, each asked ${d.requestsPerVehicle} diagnostic
requests one after another (all vehicles at once) over \`POST /api/v1/commands\`; the time runs until the
command's final state reaches the engineer's fleet event stream (SSE), as the console sees it. The simulated
ECUs answer at once, so this is Pitwall's own path (API, storage, signing, MQTT both ways, the ack, the event);
a real ECU adds its own time (ISO 14229-2 P2: up to 50 ms). Baseline: an MQTT request answered by a second
client through bare aedes on loopback, QoS 1 both ways. ${d.notSucceeded === 0 ? 'Every request succeeded.' : `${d.notSucceeded} requests did not succeed.`}

| request | count | p50 ms | p99 ms | max ms | p50 vs MQTT round trip |
|---|---:|---:|---:|---:|---:|
${row('all', d.diagnostic)}
${Object.entries(d.byKind).map(([name, l]) => row(name, l)).join('\n')}
| MQTT round trip (baseline) | ${d.mqttRoundTrip.count} | ${d.mqttRoundTrip.p50} | ${d.mqttRoundTrip.p99} | ${d.mqttRoundTrip.max} | 1.0× |`
}
