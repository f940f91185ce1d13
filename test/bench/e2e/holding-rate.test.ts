/**
 * The throughput and API benches' maximum must hold (bench/e2e/throughput-steps.ts
 * holdingRate): a rate whose repeated runs do not all pass is no maximum to
 * take half of, so the next rate down is tried.
 */
import t from 'tap'
import { holdingRate, MAX_STEP_DOWNS, STEP_DOWN } from '../../../bench/e2e/throughput-steps.js'

/** A target whose runs pass at or below `limit` batches/s; records the rates tried. */
function target (limit: number): { tried: number[], runAt: (rate: number) => Promise<{ offeredPerS: number, passed: boolean }> } {
  const tried: number[] = []
  return { tried, runAt: async (rate) => { tried.push(rate); return { offeredPerS: rate, passed: rate <= limit } } }
}

t.test('a rate whose runs all pass is the maximum, run once', async (t) => {
  const x = target(3000)
  const got = await holdingRate(2850, x.runAt, (r) => r.passed)
  t.same(x.tried, [2850])
  t.equal(got.held, true)
  t.equal(got.result.offeredPerS, 2850)
  t.same(got.notHeld, [])
})

t.test('a rate that does not hold steps down until one does, keeping what failed', async (t) => {
  const x = target(3000)
  const got = await holdingRate(4000, x.runAt, (r) => r.passed)
  // 4,000 then 3,400 fail, 2,900 holds (each step STEP_DOWN of the last, to 50/s)
  t.same(x.tried, [4000, Math.round(4000 * STEP_DOWN / 50) * 50, Math.round(Math.round(4000 * STEP_DOWN / 50) * 50 * STEP_DOWN / 50) * 50])
  t.equal(got.held, true)
  t.equal(got.result.offeredPerS, x.tried[2])
  t.same(got.notHeld.map((r) => r.offeredPerS), x.tried.slice(0, 2))
})

t.test('the steps down are bounded: with no rate holding, the lowest tried is returned, not held', async (t) => {
  const x = target(10)
  const got = await holdingRate(4000, x.runAt, (r) => r.passed)
  t.equal(x.tried.length, MAX_STEP_DOWNS + 1)
  t.equal(got.held, false)
  t.equal(got.result.offeredPerS, x.tried[x.tried.length - 1])
})

t.test('a rate that cannot step down further (50/s) stops there', async (t) => {
  const x = target(0)
  const got = await holdingRate(50, x.runAt, (r) => r.passed)
  t.same(x.tried, [50])
  t.equal(got.held, false)
})
