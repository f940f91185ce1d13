/**
 * The T-box's local store-and-forward buffer: batches wait here while the
 * vehicle is offline or its in-flight window is full, and leave oldest first.
 * Bounded like the flash partition of a real T-box: when full, the oldest
 * batch is dropped (recent data is worth more to a diagnostic engineer) and
 * counted.
 */
export class StoreAndForwardBuffer<T> {
  readonly capacity: number
  private readonly slots: Array<T | undefined>
  private head = 0
  private size = 0
  private droppedCount = 0

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.slots = new Array<T | undefined>(capacity)
  }

  get length (): number {
    return this.size
  }

  /** Batches dropped because the buffer was full. */
  get dropped (): number {
    return this.droppedCount
  }

  /** Appends; returns the item dropped to make room, if any. */
  push (item: T): T | undefined {
    let evicted: T | undefined
    if (this.size === this.capacity) {
      evicted = this.shift()
      this.droppedCount++
    }
    this.slots[(this.head + this.size) % this.capacity] = item
    this.size++
    return evicted
  }

  /** Puts an item back at the front (a publish that failed before it was stored); drops it if full. */
  unshift (item: T): void {
    if (this.size === this.capacity) {
      this.droppedCount++
      return
    }
    this.head = (this.head - 1 + this.capacity) % this.capacity
    this.slots[this.head] = item
    this.size++
  }

  shift (): T | undefined {
    if (this.size === 0) return undefined
    const item = this.slots[this.head]
    this.slots[this.head] = undefined
    this.head = (this.head + 1) % this.capacity
    this.size--
    return item
  }
}
