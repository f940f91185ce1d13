import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { pitwall } from '../../proto/index.js'
import { loadRuleFile } from '../../rules/load.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { demoVin } from '../../sim/demo.js'
import { vehicleSeed } from '../../sim/prng.js'
import { checkSpeed } from '../../sim/time-lapse.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

const VIN = 'WPWSIM00000000007'
const T0_US = 1_767_225_600_000_000 // 2026-01-01T00:00:00Z
const SECOND_US = 1_000_000

/** `seconds` one-second batches from T0, as a T-box's clock would cut them. */
function record (builder: BatchBuilder, seconds: number): Array<ReturnType<BatchBuilder['build']>> {
  return Array.from({ length: seconds }, (_, i) => builder.build(T0_US + i * SECOND_US, SECOND_US))
}

t.test('at speed N the vehicle lives N seconds per second of batches, which keep their times and frames', async (t) => {
  const normal = new BatchBuilder({ vin: VIN, model: new VehicleModel({ seed: 5 }), seed: 9 })
  const fast = new BatchBuilder({ vin: VIN, model: new VehicleModel({ seed: 5 }), seed: 9, speed: 10 })
  const normalBatches = record(normal, 6)
  const fastBatches = record(fast, 6)

  // sums of 0.1 s steps: equal to within rounding
  t.ok(Math.abs(normal.model.state.timeS - 6) < 1e-9, `speed 1: ${normal.model.state.timeS} s of driving in 6 s of batches`)
  t.ok(Math.abs(fast.model.state.timeS - 60) < 1e-9, `speed 10: ${fast.model.state.timeS} s of driving in 6 s of batches`)
  // the same vehicle stepped through 60 s of its own time by hand: the time-lapse is that drive, nothing skipped
  const reference = new VehicleModel({ seed: 5 })
  for (let i = 0; i < 60; i++) reference.step(1)
  t.same(fast.model.state, reference.state, 'odometer, coolant, drive cycle, position: where 60 s of driving takes the vehicle')

  t.same(fastBatches.map((b) => b.baseTimeUs), normalBatches.map((b) => b.baseTimeUs), 'batches keep the wall-clock windows')
  t.same(fastBatches.map((b) => b.canFrames), normalBatches.map((b) => b.canFrames), 'the bus keeps its DBC cycle times')
  const fixes = fastBatches.map((b) => pitwall.v1.TelemetryBatch.decode(b.payload).gnss.length)
  t.same(fixes, [1, 1, 1, 1, 1, 1], 'one GNSS fix per second, as at speed 1')
})

t.test('at speed 20 every demo vehicle with the overheat fault holds the rule\'s condition long enough within a minute', async (t) => {
  const rule = loadRuleFile(fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))).find((r) => r.id === 'engine-overheat')
  if (rule === undefined || rule.when.kind !== 'compare' || rule.when.op !== '>') throw new Error('engine-overheat is no longer "ECT > value for a while"')
  const { value: thresholdC } = rule.when
  // The demo's fleet (seed 1, 20 vehicles) as sim/fleet.ts seeds it; the rule's `for` runs on the batches' (wall-clock) times.
  for (let i = 0; i < 20; i++) {
    const vin = demoVin(i)
    const builder = new BatchBuilder({ vin, model: new VehicleModel({ seed: vehicleSeed(1, vin), faults: ['overheat'] }), seed: 1, speed: 20 })
    let aboveSinceS: number | undefined
    let openedAtS: number | undefined
    for (let s = 0; s < 60 && openedAtS === undefined; s++) {
      builder.build(T0_US + s * SECOND_US, SECOND_US)
      if (builder.model.state.coolantC <= thresholdC) aboveSinceS = undefined
      else aboveSinceS ??= s + 1
      if (aboveSinceS !== undefined && s + 1 - aboveSinceS >= rule.forS) openedAtS = s + 1
    }
    t.ok(openedAtS !== undefined, `${vin}: above ${thresholdC} degC for ${rule.forS} s by ${openedAtS ?? 'never'} s`)
  }
})

t.test('a speed outside 1..100 is refused', async (t) => {
  for (const speed of [0, 0.5, 101, Number.NaN]) t.throws(() => checkSpeed(speed), RangeError, `speed ${speed}`)
  t.equal(checkSpeed(2.5), 2.5)
  t.throws(() => new BatchBuilder({ vin: VIN, model: new VehicleModel({ seed: 5 }), seed: 9, speed: 0 }), /speed must be a number from 1 to 100, got 0/)
})

t.test('pitwall-sim demo and fleet refuse a bad --speed, naming the flag', async (t) => {
  const cli = fileURLToPath(new URL('../../sim/cli.ts', import.meta.url))
  const run = async (...args: string[]): Promise<{ code: number, stderr: string }> => {
    try {
      const { stderr } = await promisify(execFile)(process.execPath, ['--import=tsx', cli, ...args])
      return { code: 0, stderr }
    } catch (err) {
      return err as { code: number, stderr: string }
    }
  }
  const cases = [['demo', '0'], ['demo', 'fast'], ['fleet', '500']] as const
  const results = await Promise.all(cases.map(async ([command, value]) =>
    await run(command, ...(command === 'fleet' ? ['--credentials', 'unused.json'] : []), '--speed', value)))
  cases.forEach(([command, value], i) => {
    const { code, stderr } = results[i] as { code: number, stderr: string }
    t.not(code, 0, `${command} --speed ${value} fails`)
    t.match(stderr, new RegExp(`--speed must be a number from 1 to 100 \\(times faster than real time\\), got "${value}"`), `${command} --speed ${value} says why`)
  })
})
