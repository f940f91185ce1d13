/**
 * Heap bytes a piece of code allocates per call: collect, then run it in
 * slices, reading the used size of V8's new space (where short-lived objects
 * are allocated) after each. It only grows between scavenges, so a slice
 * where it shrank had a GC and the measurement is repeated. (The whole-heap
 * heapUsed also shrinks while the concurrent sweeper finishes, so it cannot
 * tell.) Needs node --expose-gc.
 */
import { getHeapSpaceStatistics } from 'node:v8'

const SLICE = 10

function newSpaceUsed (): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0
}

export function bytesPerCall (run: () => void, calls = 1000): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('bench: allocation needs node --expose-gc')
  for (let i = 0; i < 200; i++) run() // warm
  // fewer calls after a GC: the young generation may be smaller than calls x bytes per call
  for (let attempt = 0; attempt < 12; attempt++, calls = Math.max(SLICE, Math.floor(calls / 2))) {
    gc()
    const before = newSpaceUsed()
    let last = before
    let collected = false
    for (let done = 0; done < calls && !collected; done += SLICE) {
      for (let i = 0; i < SLICE; i++) run()
      const now = newSpaceUsed()
      collected = now < last
      last = now
    }
    if (!collected) return (last - before) / calls
  }
  throw new Error('bench: a GC ran during every allocation measurement')
}
