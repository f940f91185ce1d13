import t from 'tap'
import { mode01Pid } from '../../../decoders/obd/pids.js'
import { decodeService01Response, splitService01Response } from '../../../decoders/obd/service01.js'
import { POLLED_PIDS, mode01Response } from '../../../sim/obd-responder.js'
import type { VehicleState } from '../../../sim/vehicle-model.js'
import { hex, diagnosticError } from './bytes.js'


t.test('a multi-PID response splits into its PIDs by their J1979 lengths', async (t) => {
  const pairs = splitService01Response(hex('41 0C 1A F8 0D 40'))
  t.same(pairs.map((p) => [p.pid, Array.from(p.data)]), [[0x0c, [0x1a, 0xf8]], [0x0d, [0x40]]])
  // six PIDs, the most one ISO 15765-4 request may name
  const decoded = decodeService01Response(hex('41 04 FF 05 7B 0C 1A F8 0D 40 11 33 42 35 D6'))
  t.same(decoded.map((d) => [d.pid, d.values[0]?.value]), [[0x04, 100], [0x05, 83], [0x0c, 1726], [0x0d, 64], [0x11, 20], [0x42, 13.782]])
  t.equal(decoded[2]?.values[0]?.catalog, 'Vehicle.Powertrain.CombustionEngine.Speed')
})

t.test('an unknown PID is accepted last, and refused where the rest cannot be split', async (t) => {
  const decoded = decodeService01Response(hex('41 0D 40 99 01 02'))
  t.same(decoded.map((d) => [d.pid, d.name, Array.from(d.data)]), [[0x0d, 'Vehicle speed', [0x40]], [0x99, 'unknown PID', [1, 2]]])
  const err = diagnosticError(() => splitService01Response(hex('41 99 01 02 03 04 05 06 07 08 09 0D 40')))
  t.equal(err.code, 'PITWALL_ERR_OBD_UNKNOWN_PID')
  t.match(err.message, /PID 0x99 at byte 1 is not in the PID table/)
})

t.test('malformed and negative responses name what was wrong', async (t) => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['7F 01 12', 'negative', 'PITWALL_ERR_NEGATIVE_RESPONSE', /refused service 0x01 with NRC 0x12 subFunctionNotSupported/],
    ['7F 01 F3', 'manufacturer NRC', 'PITWALL_ERR_NEGATIVE_RESPONSE', /0xF3 vehicleManufacturerSpecific/],
    ['7F 01', 'short negative', 'PITWALL_ERR_OBD_TRUNCATED', /needs 3 bytes/],
    ['42 0C 1A F8', 'service 02 frame', 'PITWALL_ERR_OBD_SERVICE', /starts with 0x42, expected 0x41/],
    ['41 0C 1A', 'truncated rpm', 'PITWALL_ERR_OBD_TRUNCATED', /PID 0x0C \(Engine speed\) needs 2 data bytes, 1 left/],
    ['41 0D 40 0C', 'PID without data', 'PITWALL_ERR_OBD_TRUNCATED', /needs 2 data bytes, 0 left/],
    ['41', 'no PID', 'PITWALL_ERR_OBD_TRUNCATED', /no PID data/],
    ['', 'empty', 'PITWALL_ERR_OBD_TRUNCATED', /empty/]
  ]
  for (const [bytes, name, code, message] of cases) {
    const err = diagnosticError(() => splitService01Response(hex(bytes)))
    t.equal(err.code, code, name)
    t.match(err.message, message, name)
  }
})

t.test('the simulator encodes what the decoder reads back (sim/obd-responder.ts)', async (t) => {
  const state = {
    coolantC: 91.4, engineRpm: 2345.6, speedKmh: 87.2, fuelPct: 63.1, battery12vV: 14.12, ambientC: -7.4, odometerKm: 123456.78
  } as unknown as VehicleState // only the fields the responder reads
  const expected: Record<number, [number, number]> = {
    0x05: [state.coolantC, 0.5], 0x0c: [state.engineRpm, 0.125], 0x0d: [state.speedKmh, 0.5], 0x2f: [state.fuelPct, 100 / 510],
    0x42: [state.battery12vV, 0.0005], 0x46: [state.ambientC, 0.5], 0xa6: [state.odometerKm, 0.05]
  }
  for (const pid of POLLED_PIDS) {
    const def = mode01Pid(pid)
    const data = mode01Response(pid, state)
    t.equal(data.length, def?.bytes, `PID 0x${pid.toString(16)} has the J1979 length`)
    const [want, tolerance] = expected[pid] ?? [Number.NaN, 0]
    const got = splitService01Response(Uint8Array.of(0x41, pid, ...data)).map((p) => p.data)[0]
    const out = new Float64Array(1)
    def?.decode(got ?? new Uint8Array(0), out, 0)
    t.ok(Math.abs((out[0] as number) - want) <= tolerance, `PID 0x${pid.toString(16)}: ${out[0]} ≈ ${want}`)
  }
})
