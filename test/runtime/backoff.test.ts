import t from 'tap'
import { backoffMs } from '../../runtime/backoff.js'

t.test('doubles from the base up to the cap', async (t) => {
  const schedule = { baseMs: 1000, maxMs: 5000 }
  t.same([1, 2, 3, 4, 5, 10].map((a) => backoffMs(a, schedule)), [1000, 2000, 4000, 5000, 5000, 5000])
  t.equal(backoffMs(0, schedule), 1000, 'attempt 0 is treated as the first')
})

t.test('full jitter stays within [0, the unjittered delay]', async (t) => {
  const schedule = { baseMs: 100, maxMs: 10_000, jitter: true }
  const draws = Array.from({ length: 500 }, () => backoffMs(4, schedule))
  t.ok(draws.every((d) => d >= 0 && d <= 800), 'inside the window')
  t.ok(new Set(draws).size > 50, 'spread, so clients that failed together do not retry together')
})
