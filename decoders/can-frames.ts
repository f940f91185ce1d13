/**
 * The CAN frames of one batch as columns, all buses together: frame i was seen
 * on `bus[i]` at `baseTimeUs + dtUs[i]` with arbitration id `id[i]` (bit 31 = 29-bit
 * extended, as on the wire) and payload `data[offset[i] .. offset[i] + len[i])`.
 *
 * `data` is the received payload itself, not a copy: offsets point into it.
 * One instance is reused batch after batch, so its columns only grow; the
 * contents are valid until the next batch is read into it.
 */
const INITIAL_FRAMES = 512

export class CanFrameColumns {
  count = 0
  bus = new Uint16Array(INITIAL_FRAMES)
  /** Unix epoch microseconds that dtUs counts from (the batch's base time) */
  baseTimeUs = 0
  dtUs = new Uint32Array(INITIAL_FRAMES)
  id = new Uint32Array(INITIAL_FRAMES)
  len = new Uint8Array(INITIAL_FRAMES)
  offset = new Uint32Array(INITIAL_FRAMES)
  flags = new Uint8Array(INITIAL_FRAMES)
  data: Uint8Array = new Uint8Array(0)

  clear (data: Uint8Array, baseTimeUs = 0): void {
    this.count = 0
    this.data = data
    this.baseTimeUs = baseTimeUs
  }

  /** Makes room for frames up to index `n - 1`, keeping what is there. */
  reserve (n: number): void {
    if (n <= this.id.length) return
    let capacity = this.id.length * 2
    while (capacity < n) capacity *= 2
    this.bus = grown(this.bus, new Uint16Array(capacity))
    this.dtUs = grown(this.dtUs, new Uint32Array(capacity))
    this.id = grown(this.id, new Uint32Array(capacity))
    this.len = grown(this.len, new Uint8Array(capacity))
    this.offset = grown(this.offset, new Uint32Array(capacity))
    this.flags = grown(this.flags, new Uint8Array(capacity))
  }
}

function grown<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array> (old: T, fresh: T): T {
  fresh.set(old as ArrayLike<number>)
  return fresh
}
