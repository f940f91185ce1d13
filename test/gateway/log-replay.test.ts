/**
 * Replaying logs through the rules, without a gateway: a candump log through
 * the demo vehicle's DBC (faults with evidence, frames no DBC describes,
 * lines that are not frames, relative times), and PX4 ULogs from the shared
 * fixtures through the streaming reader (mapped and skipped topics, the GPS
 * clock, a cut log replayed up to the cut, a file that is no ULog).
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { formatCandumpLine } from '../../decoders/can/candump.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { loadDefaultManifest } from '../../gateway/default-manifest.js'
import { MAX_LINE_BYTES, replayLog, type ReplayTarget } from '../../gateway/log-replay.js'
import { parseRules } from '../../rules/load.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { CanLogRecorder } from '../../sim/log-recorder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

const ulogDir = fileURLToPath(new URL('../../../shared/fixtures/ulog/', import.meta.url))
const SMALL = join(ulogDir, 'sample_log_small.ulg')
const T0_MS = Date.parse('2026-11-23T08:00:00Z')
const PAD_WEAR = 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear'

const dir = await mkdtemp(join(tmpdir(), 'pitwall-replay-test-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
const target = (path: string, kind: ReplayTarget['kind']): ReplayTarget => ({ path, kind, vin: 'WPWREPLAY00000001', vehicleId: 1, model: 'PW-REPLAY', assumedStartMs: T0_MS })

t.test('a candump log through the demo DBC raises what its frames show, with evidence; what no DBC describes is counted', async (t) => {
  // two minutes of a vehicle with worn pads, recorded as the simulated T-box records its bus
  const model = new VehicleModel({ seed: 3, faults: ['brakewear'] })
  const builder = new BatchBuilder({ vin: 'WPWREPLAY00000001', model, seed: 4 })
  const recorder = new CanLogRecorder(600)
  for (let s = 0; s < 120; s++) recorder.record((T0_MS + s * 1000) * 1000, 1_000_000, builder.build((T0_MS + s * 1000) * 1000, 1_000_000).payload)
  const log = recorder.candump(T0_MS, T0_MS + 120_000).toString('latin1')
  const extra = [
    formatCandumpLine({ timeUs: (T0_MS + 60_000) * 1000, iface: 'can0', id: 0x7ff, extended: false, data: Uint8Array.of(1, 2) }),
    '(1795420860.000000) can0 123#R',
    'not a frame at all',
    '(1795420860.000000) can0 123#' + '00'.repeat(MAX_LINE_BYTES)
  ]
  const path = join(dir, 'pads.log')
  await writeFile(path, log + extra.join('\n') + '\n')
  const rules = parseRules(`rules:
  - id: pads
    name: pads worn
    severity: minor
    when: { signal: ${PAD_WEAR}, op: '>=', value: 80 }
    for: 10s
`)
  const manifest = loadDefaultManifest(`0=${DEMO_DBC_FILE}`, 1)
  const report = await replayLog(target(path, 'candump'), rules, { catalog: new SignalCatalog(), manifest }, 'current')
  t.match(report, { rules: 'current', ruleIds: ['pads'], decodedWith: 'default (--can-dbc)', clock: 'log', badLines: 2, nonDataFrames: 1, unknownFrames: 1, skippedBatches: {} })
  t.match(report.firstErrors, [/^line \d+: not a candump -l line/, new RegExp(`^line \\d+: longer than ${MAX_LINE_BYTES} bytes`)])
  t.equal(report.frames, log.split('\n').length - 1 + 1, 'every frame of the log, and the one no DBC has')
  t.equal(report.firstMs, T0_MS)
  t.ok(report.batches >= 120, 'a batch per second of log')
  const opened = report.events.find((e) => e.ruleId === 'pads' && e.type === 'opened')
  t.ok(opened !== undefined && opened.timeMs >= T0_MS + 10_000, 'opened once the pads were worn for 10 s of the log\'s time')
  t.ok(opened?.evidence.some((e) => e.signal === PAD_WEAR && e.value >= 80), 'with the pad wear it saw')
  t.same(report.byRule, { pads: 1 })

  const none = await replayLog(target(path, 'candump'), rules, { catalog: new SignalCatalog(), manifest: undefined }, 'current')
  t.match(none, { decodedWith: 'none', events: [], unknownFrames: none.frames }, 'without a manifest no frame is understood, and the report says so')
})

t.test('a candump log counted from 0 is placed at the window asked for', async (t) => {
  const path = join(dir, 'relative.log')
  await writeFile(path, '(000.000000) vcan0 2A0#0000000000000000\n(000.500000) vcan0 2A0#0000000000000000\r\n(001.000000) vcan1 2A0#00')
  const report = await replayLog(target(path, 'candump'), [], { catalog: new SignalCatalog(), manifest: undefined }, 'current')
  t.match(report, { clock: 'assumed', frames: 3, firstMs: T0_MS, lastMs: T0_MS + 1000, badLines: 0 })
})

t.test('a draft rule that does not compile is refused; current rules that do not are left out and not listed', async (t) => {
  const path = join(dir, 'one.log')
  await writeFile(path, '(1795420800.000000) can0 2A0#00\n')
  const bad = parseRules('rules:\n  - id: b\n    name: b\n    severity: minor\n    when: { signal: Vehicle.Speed, op: ">", value: 1 }\n')
  const empty = new SignalCatalog([])
  await t.rejects(replayLog(target(path, 'candump'), bad, { catalog: empty, manifest: undefined }, 'draft'), { code: 'PITWALL_ERR_RULE_FILE' })
  t.same((await replayLog(target(path, 'candump'), bad, { catalog: empty, manifest: undefined }, 'current')).ruleIds, [])
})

t.test('PX4 ULogs replay through the streaming reader', { skip: existsSync(SMALL) ? false : `no ULog fixtures in ${ulogDir} (see /work/shared/fixtures/README.md)` }, async (t) => {
  const rules = parseRules(`rules:
  - id: any-voltage
    name: battery voltage seen
    severity: info
    when: { signal: Vehicle.LowVoltageBattery.CurrentVoltage, op: '<', value: 100 }
    for: 1s
`)
  const catalog = new SignalCatalog()
  const report = await replayLog(target(SMALL, 'ulog'), rules, { catalog, manifest: undefined }, 'current')
  t.match(report, { decodedWith: /PX4 default mapping/, clock: 'gps', frames: 0, error: null, topics: { mapped: ['battery_status', 'vehicle_gps_position'] } })
  t.ok(report.topics.skipped.length > 50 && report.topics.skipped.includes('sensor_combined'), `topics without a catalog signal are listed as skipped (${report.topics.skipped.length})`)
  t.ok(report.samples > 0)
  t.ok((report.firstMs as number) > Date.parse('2021-01-01'), 'placed at the time its GPS fix says')
  t.match(report.events, [{ ruleId: 'any-voltage', type: 'opened', evidence: [{ signal: 'Vehicle.LowVoltageBattery.CurrentVoltage' }] }])

  const bytes = readFileSync(SMALL)
  const cut = join(dir, 'cut.ulg')
  await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)))
  const partial = await replayLog(target(cut, 'ulog'), rules, { catalog, manifest: undefined }, 'current')
  t.match(partial.error, /PITWALL|ends inside a message|truncat/i, 'a cut log says where it ends')
  t.ok(partial.samples > 0 && partial.samples <= report.samples, 'and what came before the cut is replayed')

  const notUlog = join(dir, 'not.ulg')
  await writeFile(notUlog, 'this is no ULog at all, not even close to one')
  await t.rejects(replayLog(target(notUlog, 'ulog'), rules, { catalog, manifest: undefined }, 'current'), { code: 'PITWALL_ERR_ULOG_NOT_ULOG' })
})
