/**
 * Decoder manifests without storage: a file and its DBCs checked against the
 * catalog, every refusal naming the file, the message and the signal, and
 * the compiled result the hot path runs.
 */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { CanFrameColumns } from '../../../decoders/can-frames.js'
import { compileManifest } from '../../../decoders/manifest/compile.js'
import { loadManifestFile, manifestSpecOf, dbcOf } from '../../../decoders/manifest/load.js'
import { ManifestError, type ManifestSource } from '../../../decoders/manifest/model.js'
import { resolveManifest } from '../../../decoders/manifest/resolve.js'
import { SampleBuffer } from '../../../decoders/sample-buffer.js'
import { SignalCatalog } from '../../../decoders/signal-catalog.js'
import { DEMO_DBC_FILE } from '../../../sim/demo-ecu.js'

const DEMO_MANIFEST = new URL('../../../sim/demo-vehicle.manifest.yaml', import.meta.url).pathname

/** A folder with the demo DBC and a manifest of `yaml` beside it; returns the manifest's path. */
function manifestFile (yaml: string, dbc = readFileSync(DEMO_DBC_FILE, 'utf8')): string {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-manifest-'))
  writeFileSync(join(dir, 'demo.dbc'), dbc)
  const path = join(dir, 'm.yaml')
  writeFileSync(path, yaml)
  return path
}

const HEAD = 'model: M1\nbuses:\n  - bus: 0\n    dbc: demo.dbc\n'

function refusal (path: string, catalog = new SignalCatalog()): string {
  try {
    resolveManifest(loadManifestFile(path), catalog)
  } catch (err) {
    if (err instanceof ManifestError) return err.message
    throw err
  }
  throw new Error('accepted')
}

t.test('the demo manifest maps its VssSignal attributes and its own entries, adding three catalog signals', async (t) => {
  const source = loadManifestFile(DEMO_MANIFEST)
  const catalog = new SignalCatalog()
  const resolved = resolveManifest(source, catalog)
  t.same(resolved.additions.map((a) => a.name).sort(), [
    'Vehicle.Acceleration.Longitudinal', 'Vehicle.Chassis.TirePressureMonitoring.TemperatureMax', 'Vehicle.Powertrain.TractionBattery.CurrentCurrent'
  ])
  t.equal(resolved.mappings.filter((m) => m.via === 'VssSignal').length, 20, 'every VssSignal attribute of the demo DBC (grep -c \'^BA_ "VssSignal"\')')
  t.same(resolved.warnings, [], 'the demo DBC needs no assumption')
  catalog.add(resolved.additions.map((a, i) => ({ ...a, id: 1000 + i })))
  const compiled = compileManifest(resolved, catalog, { id: 7, model: 'Pitwall Demo PHEV', version: 2 }, 1)
  t.equal(compiled.label, 'Pitwall Demo PHEV@2')
  const channel = compiled.network.channels.find((c) => c.signal.name === 'PackCurrent')?.channel as number
  t.equal(compiled.catalogIds[channel], catalog.id('Vehicle.Powertrain.TractionBattery.CurrentCurrent'))
  const slot = compiled.policies.slotOf[channel] as number
  t.same([compiled.policies.minIntervalUs[slot], compiled.policies.deadband[slot], compiled.policies.maxIntervalUs[slot]], [1e6, 0.5, 10e6], 'its policy, the default minimum interval filled in')
  const accel = compiled.policies.slotOf[compiled.network.channels.find((c) => c.signal.name === 'LongitudinalAccel')?.channel as number] as number
  t.equal(compiled.policies.minIntervalUs[accel], 200_000)
  const unmapped = compiled.network.channels.find((c) => c.signal.name === 'StartStopActive')?.channel as number
  t.same([compiled.catalogIds[unmapped], compiled.policies.slotOf[unmapped]], [0, -1], 'a signal nobody maps is decoded for nobody and never stored')
  t.ok(compiled.sources.some((s) => s.source === 'Pitwall Demo PHEV@2 bus 0 BMS_PackStatus.PackCurrent'))
})

t.test('a manifest file is refused naming the file and the field', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['buses: []\nmodel: M', /m\.yaml: buses must NOT have fewer than 1 items/],
    [HEAD + 'color: red\n', /m\.yaml: the manifest has an unknown field "color"/],
    [HEAD + 'signals:\n  - from: NoDot\n    signal: Vehicle.Speed\n', /m\.yaml: signals\[0\]\.from must be Message\.Signal/],
    [HEAD + 'signals:\n  - from: A.B\n    signal: Vehicle.Speed\n    minInterval: soon\n', /m\.yaml: signals\[0\]\.minInterval/],
    [HEAD + 'defaults:\n  minInterval: 10s\n  maxInterval: 1s\n', /m\.yaml: defaults\.maxInterval \(1 s\) is shorter than minInterval \(10 s\)/],
    [HEAD + '  - bus: 0\n    dbc: demo.dbc\n', /m\.yaml: buses\[1\]\.bus gives bus 0 a second DBC/],
    [HEAD + 'catalog:\n  - { name: Acme.X, unit: V }\n  - { name: Acme.X, unit: V }\n', /m\.yaml: catalog\[1\]\.name adds Acme\.X a second time/],
    ['model: M1\nbuses:\n  - bus: 0\n    dbc: missing.dbc\n', /m\.yaml: buses\[0\]\.dbc names missing\.dbc, which cannot be read: ENOENT/],
    ['model: [unclosed\n', /m\.yaml: not valid YAML/]
  ]
  for (const [yaml, message] of cases) {
    t.throws(() => loadManifestFile(manifestFile(yaml)), { code: 'PITWALL_ERR_MANIFEST_INVALID', message }, message.source)
  }
  t.throws(() => manifestSpecOf({ model: 'M', buses: [{ bus: 70000, dbc: 'a.dbc' }] }, 'request'), { message: /^request: buses\[0\]\.bus must be <= 65535/ })
})

t.test('a mapping that does not fit its DBC or the catalog is refused naming the file, message and signal', async (t) => {
  const signal = (entry: string): string => `${HEAD}signals:\n  - ${entry}\n`
  t.match(refusal(manifestFile(signal('{ from: ECM_EngineDta.EngineSpeed, signal: Vehicle.Speed }'))),
    /signals\[0\] \(ECM_EngineDta\.EngineSpeed\): no message ECM_EngineDta in demo\.dbc \(closest: ECM_EngineData/)
  t.match(refusal(manifestFile(signal('{ from: ECM_EngineData.EngineSped, signal: Vehicle.Speed }'))),
    /message ECM_EngineData has no signal EngineSped \(closest: EngineSpeed/)
  t.match(refusal(manifestFile(signal('{ from: ECM_EngineData.EngineSpeed, signal: Vehicle.Sped }'))),
    /Vehicle\.Sped is neither in the catalog nor in this manifest's catalog: section \(closest: Vehicle\.Speed/)
  t.match(refusal(manifestFile(signal('{ from: ECM_EngineData.EngineSpeed, signal: Vehicle.Speed }'))),
    /signals\[0\]: demo\.dbc bus 0 ECM_EngineData\.EngineSpeed is in "rpm" but Vehicle\.Speed is in "km\/h"/)
  t.match(refusal(manifestFile(`${HEAD}signals:\n  - { from: ECM_EngineData.ThrottlePosition, signal: Vehicle.OBD.ThrottlePosition }\n  - { from: ECM_EngineData.EngineLoad, signal: Vehicle.OBD.ThrottlePosition }\n`)),
    /signals\[1\] \(ECM_EngineData\.EngineLoad\): Vehicle\.OBD\.ThrottlePosition is fed by demo\.dbc bus 0 ECM_EngineData\.ThrottlePosition already; a catalog signal takes one source/,
    'two sources of one catalog signal would interleave in what rules see')
  const explicit = resolveManifest(loadManifestFile(manifestFile(signal('{ from: ESC_VehicleSpeed.VehicleSpeed, signal: Vehicle.Speed, minInterval: 100ms }'))), new SignalCatalog())
  t.match(explicit.mappings.filter((m) => m.catalogName === 'Vehicle.Speed'), [{ via: 'signals', policy: { minIntervalS: 0.1 } }], 'an entry for a signal its VssSignal attribute maps too takes its place')
  t.match(refusal(manifestFile(signal('{ from: ECM_EngineData.ThrottlePosition, bus: 3, signal: Vehicle.OBD.ThrottlePosition }'))),
    /bus 3 has no DBC in this manifest \(buses: 0\)/)
  t.match(refusal(manifestFile(HEAD + 'catalog:\n  - { name: Vehicle.Speed, unit: mph }\n')),
    /m\.yaml: catalog\[0\] Vehicle\.Speed is in "mph", but the catalog has it in "km\/h" \(id 1\); a catalog name keeps its unit/)
})

t.test('the same DBC signal on two buses must be told apart; each bus decodes with its own DBC', async (t) => {
  const path = manifestFile('model: M1\nvssAttribute: false\nbuses:\n  - { bus: 0, dbc: demo.dbc }\n  - { bus: 1, dbc: demo.dbc }\nsignals:\n  - { from: ECM_EngineData.ThrottlePosition, signal: Vehicle.OBD.ThrottlePosition }\n')
  t.match(refusal(path), /ECM_EngineData\.ThrottlePosition is on buses 0 and 1; say which with bus:/)
  const ok = manifestFile('model: M1\nvssAttribute: false\nbuses:\n  - { bus: 0, dbc: demo.dbc }\n  - { bus: 1, dbc: demo.dbc }\nsignals:\n  - { from: ECM_EngineData.ThrottlePosition, bus: 1, signal: Vehicle.OBD.ThrottlePosition }\n')
  const resolved = resolveManifest(loadManifestFile(ok), new SignalCatalog())
  t.same(resolved.mappings.map((m) => [m.bus, m.message.name, m.signal.name, m.catalogName]), [[1, 'ECM_EngineData', 'ThrottlePosition', 'Vehicle.OBD.ThrottlePosition']])
})

t.test('a DBC that needs assumptions: warned with its positions, refused by a strict manifest', async (t) => {
  const quirky = 'BO_ 1275 2017_5: 8 XXX\n SG_ 0_COUNTER : 4|5@0+ (1,0) [0|31] "" XXX\nCM_ "unclosed"\nBO_ 100 B: 8 XXX\n SG_ S : 0|8@1+ (1,0) [0|255] "" XXX\n'
  const lenient = resolveManifest(loadManifestFile(manifestFile(HEAD, quirky)), new SignalCatalog())
  t.same(lenient.warnings.map((w) => w.kind), ['name-starts-with-digit', 'name-starts-with-digit', 'missing-semicolon'])
  t.match(lenient.warnings[0]?.text, /^demo\.dbc:1:10: 2017_5 \(a message name\) starts with a digit/)
  t.match(refusal(manifestFile(HEAD + 'strict: true\n', quirky)),
    /m\.yaml: buses\[0\] \(bus 0\): demo\.dbc:1:10: expected a message name \(a letter or '_' first\), found '2017_5' \(the manifest parses its DBCs strictly\)/)
  const broken = 'BO_ 1 A: 8 X\n SG_ S : 0|8@2+ (1,0) [0|255] "" X\n SG_ T : 8|8@1+ (1,0) [0|255] "" X\n'
  const kept = resolveManifest(loadManifestFile(manifestFile(HEAD, broken)), new SignalCatalog())
  t.match(kept.warnings, [{ kind: 'signal-skipped', text: /^demo\.dbc:2:2: signal S of message A left out: at 2:14 expected byte order/ }], 'an SG_ line that does not parse is left out, its line named')
  t.match(refusal(manifestFile(HEAD + 'strict: true\n', broken)), /m\.yaml: buses\[0\] \(bus 0\): demo\.dbc:2:14: expected byte order/, 'a strict manifest refuses it, naming its line')
})

t.test('a 29-bit id written without bit 31 and a message name two BO_ share: from:, the decoder and the encoder agree on the message', async (t) => {
  const dbc = 'BU_: GMLAN NEO\n' +
    'BO_ 274923520 DriverDoorStatus: 1 GMLAN\n SG_ DriverDoorOpen : 0|1@0+ (1,0) [0|1] "" NEO\n' +
    'BO_ 100 Twice: 8 GMLAN\n SG_ Level : 0|8@1+ (1,0) [0|255] "" NEO\n' +
    'BO_ 200 Twice: 8 GMLAN\n SG_ Level : 8|8@1+ (1,0) [0|255] "" NEO\n'
  const yaml = `${HEAD}vssAttribute: false\ncatalog:\n  - { name: Acme.Door.DriverOpen, unit: "" }\n  - { name: Acme.Twice.Level, unit: "" }\n` +
    'signals:\n  - { from: DriverDoorStatus.DriverDoorOpen, signal: Acme.Door.DriverOpen }\n  - { from: Twice.Level, signal: Acme.Twice.Level }\n'
  const catalog = new SignalCatalog()
  const resolved = resolveManifest(loadManifestFile(manifestFile(yaml, dbc)), catalog)
  t.same(resolved.warnings.map((w) => w.kind), ['extended-id-without-flag', 'duplicate-message-name'])
  catalog.add(resolved.additions.map((a, i) => ({ ...a, id: 1000 + i })))
  const compiled = compileManifest(resolved, catalog, { id: 7, model: 'M1', version: 1 }, 1)
  const twice = resolved.mappings.find((m) => m.catalogName === 'Acme.Twice.Level')?.message
  t.equal(twice?.frameId, 100, 'from: takes the first BO_ of the name')
  t.equal(compiled.network.message(0, 'Twice'), twice, 'so does the encoder')

  // frames as ingest holds them: bit 31 set on a 29-bit id (can-frames.ts)
  const frames = new CanFrameColumns()
  frames.clear(Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0, 0))
  frames.count = 2
  frames.id.set([0x90630000, 100])
  frames.len.set([1, 8])
  frames.offset.set([0, 1])
  const samples = new SampleBuffer()
  t.equal(compiled.network.decodeFrames(frames, samples), 0, 'both frames are known')
  const decoded = Array.from({ length: samples.length }, (_, i) => [compiled.catalogIds[samples.signal[i] as number], samples.value[i]])
  t.same(decoded, [[catalog.id('Acme.Door.DriverOpen'), 1], [catalog.id('Acme.Twice.Level'), 9]])
})

t.test('VssSignal names the catalog lacks are added with the DBC signal\'s unit; the --can-dbc default may not add', async (t) => {
  const dbc = 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|255] "bar" X\nBA_DEF_ SG_ "VssSignal" STRING ;\nBA_ "VssSignal" SG_ 1 S "Acme.Hydraulics.Pressure";\n'
  const source: ManifestSource = {
    origin: 'inline',
    spec: { model: 'M', strict: false, vssAttribute: true, buses: [{ bus: 0, dbc: 'a.dbc' }], signals: [], catalog: [], defaults: {} },
    dbcs: new Map([['a.dbc', dbcOf('a.dbc', new TextEncoder().encode(dbc))]])
  }
  const resolved = resolveManifest(source, new SignalCatalog())
  t.match(resolved.additions, [{ name: 'Acme.Hydraulics.Pressure', unit: 'bar', vss: 'Acme.Hydraulics.Pressure' }])
  t.same(resolved.provides, ['Acme.Hydraulics.Pressure'])
  t.throws(() => resolveManifest(source, new SignalCatalog(), { allowAdditions: false }), { message: /Acme\.Hydraulics\.Pressure is not in the signal catalog/ })
})
