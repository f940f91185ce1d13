/**
 * The throughput and API benches' search for the highest rate that holds
 * (bench/e2e/throughput-steps.ts searchHolding): a rate counts only when all
 * its runs pass, and no higher rate is tried before it has.
 */
import t from 'tap'
import { searchHolding } from '../../../bench/e2e/throughput-steps.js'

const PLAN = { ladder: [250, 500, 1000, 2000, 4000, 8000], refine: true, repeats: 3 }

/** A target whose runs pass while `passes(rate, nth run at that rate)`; records every run. */
function target (passes: (rate: number, nth: number) => boolean): { tried: number[], runAt: (rate: number) => Promise<{ rate: number, passed: boolean }> } {
  const tried: number[] = []
  return {
    tried,
    runAt: async (rate) => {
      tried.push(rate)
      return { rate, passed: passes(rate, tried.filter((r) => r === rate).length) }
    }
  }
}

t.test('each rate is held (all its runs) before the next is tried; the first failure ends the ladder, one rate between is tried', async (t) => {
  const x = target((rate) => rate <= 3000)
  const got = await searchHolding(PLAN, x.runAt, (r) => r.passed)
  // 4,000 fails its first run: no repeat of it, no 8,000; then 2,850 (geometric mean of 2,000 and 4,000, to 50/s) held
  t.same(x.tried, [250, 250, 250, 500, 500, 500, 1000, 1000, 1000, 2000, 2000, 2000, 4000, 2850, 2850, 2850])
  t.equal(got.held?.rate, 2850)
  t.equal(got.held?.runs.length, 3)
  t.same(got.notHeld, [])
  t.equal(got.all.length, x.tried.length)
})

t.test('a rate that passes once and then fails a run does not hold: it is no maximum', async (t) => {
  // 4,000 passes its first run, fails its second (the pinned run that passed 4,000/s once)
  const x = target((rate, nth) => rate < 4000 || (rate === 4000 && nth === 1))
  const got = await searchHolding({ ...PLAN, refine: false }, x.runAt, (r) => r.passed)
  t.same(x.tried.slice(-2), [4000, 4000], 'stops repeating at the failed run')
  t.equal(got.held?.rate, 2000)
  t.same(got.notHeld.map((n) => [n.rate, n.runs.map((r) => r.passed)]), [[4000, [true, false]]])
})

t.test('when the rate between does not hold either, the maximum is the last ladder rate that held', async (t) => {
  const x = target((rate) => rate <= 2000)
  const got = await searchHolding(PLAN, x.runAt, (r) => r.passed)
  t.equal(got.held?.rate, 2000)
  t.equal(x.tried.filter((r) => r > 2000).length, 2, 'one run of 4,000 and one of 2,850')
})

t.test('nothing holds: no maximum; a ladder with no failure ends at its top, a lower bound', async (t) => {
  const none = await searchHolding(PLAN, target(() => false).runAt, (r) => r.passed)
  t.equal(none.held, undefined)
  t.equal(none.all.length, 1, 'the first rate failed its first run')
  const all = await searchHolding(PLAN, target(() => true).runAt, (r) => r.passed)
  t.equal(all.held?.rate, 8000)
})

t.test('rates beyond what the generator can offer are not tried', async (t) => {
  const x = target(() => true)
  const got = await searchHolding(PLAN, x.runAt, (r) => r.passed, (rate) => rate > 2400)
  t.equal(got.held?.rate, 2000)
  t.notOk(x.tried.includes(4000))
})
