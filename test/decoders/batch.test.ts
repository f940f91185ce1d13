import t from 'tap'
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { BatchRejected } from '../../decoders/errors.js'
import { telemetryRows } from '../../decoders/telemetry-rows.js'
import { pitwall } from '../../proto/index.js'

const VIN = 'WDB12345678901234'
const NOW_US = 1_750_000_000_000_000
const ctx = { vin: VIN, nowUs: NOW_US, limits: DEFAULT_BATCH_LIMITS }

function encode (fields: pitwall.v1.ITelemetryBatch): Uint8Array {
  return pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: NOW_US, ...fields }).finish()
}

function rejection (payload: Uint8Array): BatchRejected {
  try {
    decodeBatch(payload, ctx)
  } catch (err) {
    if (err instanceof BatchRejected) return err
    throw err
  }
  throw new Error('batch was accepted')
}

t.test('accepts classic, CAN FD and 29-bit frames and counts them', async (t) => {
  const batch = decodeBatch(encode({
    can: [
      { bus: 0, dtUs: [0, 5], id: [0x7ff, 0x8000_0000 | 0x1fff_ffff], len: [8, 0], data: new Uint8Array(8) },
      { bus: 1, dtUs: [0], id: [0x123], len: [64], data: new Uint8Array(64), flags: [1] }
    ]
  }), ctx)
  t.equal(batch.canFrames, 3)
})

t.test('names what is wrong with a refused batch', async (t) => {
  const cases: Array<[string, Uint8Array, string, RegExp]> = [
    ['garbage', new Uint8Array([0xff, 0xff, 0xff]), 'PITWALL_ERR_MALFORMED_PROTOBUF', /not a TelemetryBatch/],
    ['another VIN', encode({ vin: 'WDB00000000000007' }), 'PITWALL_ERR_VIN_MISMATCH', /"WDB00000000000007" differs from the authenticated vehicle WDB12345678901234/],
    ['no seq', encode({ seq: 0 }), 'PITWALL_ERR_MISSING_SEQ', /seq 0/],
    ['unset clock', encode({ baseTimeUs: 1000 }), 'PITWALL_ERR_BAD_TIME', /base_time_us 1000/],
    ['clock two days ahead', encode({ baseTimeUs: NOW_US + 2 * 86400e6 }), 'PITWALL_ERR_BAD_TIME', /not a plausible time/],
    ['short id column', encode({ can: [{ dtUs: [0, 1], id: [1], len: [8, 8], data: new Uint8Array(16) }] }), 'PITWALL_ERR_CAN_BLOCK', /can\[0\]: columns differ in length \(dt_us 2, id 1, len 2\)/],
    ['data shorter than len', encode({ can: [{ dtUs: [0], id: [1], len: [8], data: new Uint8Array(7) }] }), 'PITWALL_ERR_CAN_BLOCK', /data holds 7 bytes but len\[\] sums to 8/],
    ['length 9', encode({ can: [{ dtUs: [0], id: [1], len: [9], data: new Uint8Array(9) }] }), 'PITWALL_ERR_CAN_BLOCK', /length 9, not a CAN or CAN FD payload length/],
    ['11-bit id above 0x7FF', encode({ can: [{ dtUs: [0], id: [0x800], len: [0], data: new Uint8Array(0) }] }), 'PITWALL_ERR_CAN_BLOCK', /invalid id 0x800/],
    ['reserved id bits', encode({ can: [{ dtUs: [0], id: [0x4000_0001], len: [0], data: new Uint8Array(0) }] }), 'PITWALL_ERR_CAN_BLOCK', /invalid id 0x40000001/],
    ['flags for some frames', encode({ can: [{ dtUs: [0, 1], id: [1, 2], len: [0, 0], flags: [1], data: new Uint8Array(0) }] }), 'PITWALL_ERR_CAN_BLOCK', /flags has 1 entries for 2 frames/],
    ['signal columns', encode({ signals: { dtUs: [0], signalId: [1, 2], value: [1, 2] } }), 'PITWALL_ERR_SIGNAL_BLOCK', /dt_us 1, signal_id 2, value 2/],
    ['OBD ECU above 29 bits', encode({ obd: [{ mode: 1, pid: 5, data: new Uint8Array([1]), ecu: 0x8000_0000 }] }), 'PITWALL_ERR_OBD', /ecu 0x80000000 is not a CAN address/],
    ['4-byte DTC', encode({ dtc: [{ dtc: 0x1_000_000, status: 1 }] }), 'PITWALL_ERR_DTC', /dtc 0x1000000 is longer than 3 bytes/],
    ['VIN with control characters', encode({ vin: 'X\u0000Y' }), 'PITWALL_ERR_VIN_MISMATCH', /batch vin "X\\u0000Y" differs/]
  ]
  for (const [name, payload, code, message] of cases) {
    const err = rejection(payload)
    t.equal(err.code, code, name)
    t.match(err.message, message, name)
  }
})

t.test('OBD-II responses and edge signals become samples at their own times; unknown ones are counted', async (t) => {
  const rows = telemetryRows(decodeBatch(encode({
    obd: [
      { dtUs: 10, mode: 1, pid: 0x0d, data: new Uint8Array([88]) },
      // SAE J1979 0xA6: (A<<24 | B<<16 | C<<8 | D) / 10 km; 0xFF000001 / 10
      { dtUs: 20, mode: 1, pid: 0xa6, data: new Uint8Array([0xff, 0x00, 0x00, 0x01]) },
      { dtUs: 30, mode: 1, pid: 0x42, data: new Uint8Array([0x36]) },
      { dtUs: 40, mode: 1, pid: 0x99, data: new Uint8Array([1]) },
      { dtUs: 50, mode: 9, pid: 0x02, data: new Uint8Array([1]) }
    ],
    signals: { dtUs: [5, 6, 7], signalId: [9, 999_999, 10], value: [230, 1, Number.NaN] }
  }), ctx))
  t.same(rows.samples, {
    timeUs: [NOW_US + 10, NOW_US + 20, NOW_US + 5],
    signalId: [1, 13, 9],
    value: [88, 0xff000001 / 10, 230]
  })
  t.equal(rows.undecodedObd, 3, 'too short for 0x42, unmapped PID, other service')
  t.equal(rows.rejected.edgeUnknownSignal, 1, 'id outside the catalog')
  t.equal(rows.rejected.edgeNonFinite, 1, 'NaN value, counted apart from unknown ids')
})
