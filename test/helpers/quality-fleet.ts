/**
 * A small fleet with a known quality story, for the quality report's tests
 * (storage, API, CLI). DTC reports go through the batch writer, as ingest
 * stores them, one batch each; faults through FaultStore, as the engine
 * raises them.
 *
 *   ev-a / 1.0   8 vehicles (a8 of another brand)
 *     P0217      a1 on 02-10 (first seen), 03-09 three times in one batch-hour, 03-10;
 *                a2 on 03-03 (previous window) and 03-09; a3 P0217-1C on 03-12;
 *                a4 only "test not completed" (not a failure); a5 at `to` exactly
 *                (outside); a6 at `from` exactly (inside)
 *     coolant-hot  a1 opened 03-09 08:01, cleared, opened again 03-11; a2 03-12; a7 03-02
 *   ev-a / 1.1   2 vehicles: b1 P0A80 on 03-11 (new), b2 P0217 on 03-13 (new in this cohort)
 *   ev-b / none  2 vehicles: c1 U0100 on 03-10, battery-low opened 03-14
 */
import type { Storage } from '../../storage/index.js'
import { overheatRule } from './rules.js'

export const WINDOW = { from: new Date('2026-03-08T00:00:00Z'), to: new Date('2026-03-15T00:00:00Z') }
export const PREVIOUS_FROM = new Date('2026-03-01T00:00:00Z')

/** ISO 14229-1 D.2 status bytes as the simulator's T-box reports them */
const CONFIRMED = 0xaf
const NOT_COMPLETED = 0x10
const ECU = 0x7e8
// 3-byte UDS DTCs: the J2012 code, then the failure type byte
const P0217 = 0x021700
const P0217_1C = 0x02171c
const P0A80 = 0x0a8000
const U0100 = 0xc10000

export const vinOf = (name: string): string => `WPTRPT${name.toUpperCase().padStart(11, '0')}`

export async function seedQualityFleet (storage: Storage): Promise<void> {
  const ids = new Map<string, number>()
  const vehicle = async (name: string, model: string, firmware: string | undefined, brand: string): Promise<void> => {
    const vin = vinOf(name)
    ids.set(name, await storage.vehicles.add({ vin, model, firmware }, 'scrypt$x'))
    await storage.vehicles.setBrand(vin, brand)
  }
  for (let i = 1; i <= 8; i++) await vehicle(`a${i}`, 'ev-a', '1.0', i === 8 ? 'Other' : 'Nordwind')
  for (const name of ['b1', 'b2']) await vehicle(name, 'ev-a', '1.1', 'Nordwind')
  for (const name of ['c1', 'c2']) await vehicle(name, 'ev-b', undefined, 'Sued')
  const id = (name: string): number => ids.get(name) as number

  let seq = 0
  const report = async (name: string, times: string[], dtc: number, status = CONFIRMED): Promise<void> => {
    const timeUs = (at: string): number => Date.parse(at) * 1000
    const first = timeUs(times[0] as string)
    seq++
    const outcome = await storage.storeBatch({
      vehicleId: id(name),
      seq,
      baseTimeUs: first,
      canFrames: 0,
      payload: new Uint8Array([seq & 0xff, seq >> 8]),
      samples: { timeUs: [], signalId: [], value: [] },
      gnss: [],
      dtcs: times.map((at) => ({ timeUs: timeUs(at), ecu: ECU, dtc, status }))
    })
    if (outcome !== 'stored') throw new Error(`batch ${seq} was ${outcome}`)
    // the DTC rows are written after the batch's commit (storage/projector.ts)
    await storage.projector.idle()
  }
  await report('a1', ['2026-02-10T09:00:00Z'], P0217)
  await report('a1', ['2026-03-09T08:00:00Z', '2026-03-09T08:00:10Z'], P0217)
  await report('a1', ['2026-03-09T08:00:20Z'], P0217)
  await report('a1', ['2026-03-10T08:00:00Z'], P0217)
  await report('a2', ['2026-03-03T10:00:00Z'], P0217)
  await report('a2', ['2026-03-09T12:00:00Z'], P0217)
  await report('a3', ['2026-03-12T07:00:00Z'], P0217_1C)
  await report('a4', ['2026-03-12T07:00:00Z'], P0217, NOT_COMPLETED)
  await report('a5', ['2026-03-15T00:00:00Z'], P0217)
  await report('a6', ['2026-03-08T00:00:00Z'], P0217)
  await report('b1', ['2026-03-11T15:00:00Z'], P0A80)
  await report('b2', ['2026-03-13T09:30:00Z'], P0217)
  await report('c1', ['2026-03-10T18:00:00Z'], U0100, 0x27)

  await storage.rules.apply([
    overheatRule('coolant-hot', { name: 'Coolant too hot', severity: 'critical' }),
    overheatRule('battery-low', { name: '12 V battery low', severity: 'minor' })
  ])
  const fault = async (type: 'opened' | 'cleared', name: string, ruleId: string, at: string): Promise<void> => {
    await storage.faults.record([{
      type,
      vehicleId: id(name),
      ruleId,
      ruleVersion: `${ruleId}-v1`,
      severity: ruleId === 'coolant-hot' ? 'critical' : 'minor',
      timeUs: Date.parse(at) * 1000,
      occurrences: 1,
      evidence: []
    }])
  }
  await fault('opened', 'a1', 'coolant-hot', '2026-03-09T08:01:00Z')
  await fault('cleared', 'a1', 'coolant-hot', '2026-03-09T09:00:00Z')
  await fault('opened', 'a1', 'coolant-hot', '2026-03-11T10:00:00Z')
  await fault('opened', 'a2', 'coolant-hot', '2026-03-12T10:00:00Z')
  await fault('opened', 'a7', 'coolant-hot', '2026-03-02T10:00:00Z')
  await fault('opened', 'c1', 'battery-low', '2026-03-14T06:00:00Z')
}
