/**
 * The throughput search's "decoded rows keep pace" check (bench/e2e/throughput-steps.ts):
 * the projector's queue rises and falls by a group at a time, so its growth
 * over a window is the fitted trend of its samples, not the difference of
 * two of them.
 */
import t from 'tap'
import { slope } from '../../../bench/e2e/throughput-steps.js'

t.test('a queue that rises and falls by whole groups but keeps pace has no trend', async (t) => {
  // a group of 300 written every 200 ms, sampled every 100 ms over 2 s
  const sawtooth = Array.from({ length: 20 }, (_, i) => [i / 10, i % 2 === 0 ? 20 : 320] as [number, number])
  t.ok(Math.abs(slope(sawtooth) * 2) < 60, `trend over 2 s: ${Math.round(slope(sawtooth) * 2)} batches, against a difference of ${320 - 20} between the edges`)
})

t.test('a queue falling behind by 600 batches/s on top of the groups grows by ~1,200 over 2 s', async (t) => {
  const behind = Array.from({ length: 20 }, (_, i) => [i / 10, 600 * i / 10 + (i % 2 === 0 ? 0 : 300)] as [number, number])
  const growth = slope(behind) * 2
  t.ok(growth > 1_100 && growth < 1_400, `fitted ${Math.round(growth)}`)
})

t.test('fewer than two samples say nothing', async (t) => {
  t.equal(slope([]), 0)
  t.equal(slope([[1, 5]]), 0)
})
