/**
 * Values that are not readings (NaN, ±Infinity, outside the signal's
 * declared range, an unknown id, a GNSS fix off the globe) never reach the
 * rows storage writes or the stream rules read; each is counted by source
 * and reason, and the rest of the batch stays good.
 */
import t from 'tap'
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { telemetryRows } from '../../decoders/telemetry-rows.js'
import { TelemetryDecoder } from '../../gateway/telemetry-decoder.js'
import type { CompiledManifest } from '../../decoders/manifest/compile.js'
import { pitwall } from '../../proto/index.js'
import { manifestOf } from '../helpers/manifests.js'

const VIN = 'WDB12345678901234'
const NOW_US = 1_750_000_000_000_000
const ctx = { vin: VIN, nowUs: NOW_US, limits: DEFAULT_BATCH_LIMITS }
const catalog = new SignalCatalog()
const SOC = catalog.id('Vehicle.Powertrain.TractionBattery.StateOfCharge.Current') as number
const SPEED = catalog.id('Vehicle.Speed') as number

function encode (fields: pitwall.v1.ITelemetryBatch): Uint8Array {
  return pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: NOW_US, ...fields }).finish()
}

t.test('edge-decoded NaN, ±Infinity and values outside the declared range are counted by reason, not stored', async (t) => {
  const rows = telemetryRows(decodeBatch(encode({
    signals: {
      dtUs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      signalId: [SOC, SOC, SOC, SOC, SOC, SOC, SOC, 999_999, SPEED, SPEED, SPEED],
      // SoC is a share of a whole, 0..100 %; Vehicle.Speed declares no range, so only the plausible magnitude (2^53) bounds it
      value: [50, Number.NaN, Infinity, -Infinity, 1e308, 100.5, 100, 1, 1e12, 1e308, -1e16]
    }
  }), ctx), catalog)
  t.same(rows.samples, { timeUs: [NOW_US + 1, NOW_US + 7, NOW_US + 9], signalId: [SOC, SOC, SPEED], value: [50, 100, 1e12] },
    'the readings, the range\'s end included; a finite value of a signal without a declared range is kept')
  t.match(rows.rejected, { edgeNonFinite: 3, edgeOutOfRange: 4, edgeUnknownSignal: 1 })
})

t.test('a GNSS fix off the globe or with a field out of range is counted and left out; the batch and its other fixes stay', async (t) => {
  const good = { dtUs: 1, latE7: 481_372_000, lonE7: 115_755_000, speedCms: 1389, headingCdeg: 9000, satellites: 11 }
  const batch = decodeBatch(encode({
    gnss: [
      good,
      { ...good, dtUs: 2, latE7: 950_000_000 },
      { ...good, dtUs: 3, lonE7: -1_810_000_000 },
      { ...good, dtUs: 4, headingCdeg: 36_000 },
      { ...good, dtUs: 5, satellites: 65_535 }
    ]
  }), ctx)
  const rows = telemetryRows(batch, catalog)
  t.same(rows.gnss.map((g) => [g.timeUs - NOW_US, g.lat]), [[1, 48.1372]], 'only the good fix is a row')
  t.equal(rows.rejected.gnssOutOfRange, 4, 'latitude 95°, longitude -181°, heading 360.00°, 65535 satellites')
})

// A float32 signal mapped onto a catalog name, an integer one with a declared
// range (0xFF: the ECU's "not available"), and one declaring none ([0|0]).
const DBC = `BO_ 1 A: 8 X
 SG_ Speed : 0|32@1- (1,0) [0|0] "km/h" X
 SG_ Soc : 32|8@1+ (0.5,0) [0|100] "%" X
 SG_ Raw : 40|8@1+ (1,0) [0|0] "" X
SIG_VALTYPE_ 1 Speed : 1;
`

function manifest (): CompiledManifest {
  return manifestOf(DBC, [
    { from: 'A.Speed', signal: 'Vehicle.Speed', policy: {} },
    { from: 'A.Soc', signal: 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current', policy: {} }
  ], catalog)
}

/** A frame of message A: Speed as float32 little-endian bits, Soc and Raw raw bytes. */
function frame (speedBits: number, socRaw: number, raw: number): number[] {
  return [speedBits & 0xff, (speedBits >>> 8) & 0xff, (speedBits >>> 16) & 0xff, speedBits >>> 24, socRaw, raw, 0, 0]
}

t.test('a DBC float signal whose bits are NaN or ±Infinity, and a value outside the DBC range, are counted and reach neither storage nor rules', async (t) => {
  const m = manifest()
  const frames = [
    frame(0x7fc0_0000, 100, 1), // NaN, 50 %
    frame(0x7f80_0000, 0xff, 2), // +Infinity, 127.5 % (0xFF: not available)
    frame(0xff80_0000, 200, 255), // -Infinity, 100 %
    frame(0x4148_0000, 0, 3) // 12.5 km/h, 0 %
  ]
  const payload = encode({ can: [{ bus: 0, dtUs: [0, 1, 2, 3], id: [1, 1, 1, 1], len: [8, 8, 8, 8], data: new Uint8Array(frames.flat()) }] })
  const decoded = new TelemetryDecoder(catalog).decode(VIN, payload, NOW_US, m)
  const name = (c: number): string => m.network.channels[c]?.signal.name ?? '?'
  const samples = decoded.canSamples
  if (samples === undefined) throw new Error('no CAN samples')
  const kept = Array.from({ length: samples.length }, (_, i) => `${name(samples.signal[i] as number)}=${samples.value[i] as number}`)
  t.same(kept, ['Soc=50', 'Raw=1', 'Raw=2', 'Soc=100', 'Raw=255', 'Speed=12.5', 'Soc=0', 'Raw=3'],
    'a signal declaring [0|0] keeps every value; the range\'s ends are kept')
  t.match(decoded.rows.rejected, { canNonFinite: 3, canOutOfRange: 1 })
})

t.test('a DBC range written in decimal keeps the value at its end despite rounding', async (t) => {
  // 255 * 0.01 is 2.5500000000000003 in doubles, above the maximum as written
  const dbc = 'BO_ 2 B: 8 X\n SG_ Level : 0|8@1+ (0.01,0) [0|2.55] "" X\n'
  const m = manifestOf(dbc, [], catalog)
  const payload = encode({ can: [{ bus: 0, dtUs: [0], id: [2], len: [8], data: new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]) }] })
  const decoded = new TelemetryDecoder(catalog).decode(VIN, payload, NOW_US, m)
  t.equal(decoded.canSamples?.value[0], 2.5500000000000003)
  t.equal(decoded.canSamples?.length, 1)
  t.equal(decoded.rows.rejected.canOutOfRange, 0)
})
