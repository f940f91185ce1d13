import type { NumericType } from './layout.js'

/**
 * One signal of a ULog: a numeric field of one topic instance. Its `index` is
 * the number in SampleBuffer.signal.
 */
export interface UlogChannel {
  readonly index: number
  /** The topic (format) name, e.g. `battery_status`. */
  readonly topic: string
  /** The instance of a topic logged more than once (battery 0 and 1). */
  readonly multiId: number
  /** `topic`, or `topic#multi_id` when multi_id > 0: how pyulog users name an instance. */
  readonly message: string
  /** `voltage_v`, array elements `voltage_cell_v[3]`, nested formats `a.b`. */
  readonly field: string
  /** The ULog msg_id of the subscription that first carried this channel. */
  readonly msgId: number
  readonly type: NumericType
  /** Set when the selection maps this field to a catalog signal; values are then in its unit. */
  readonly catalogId?: number
  readonly catalogName?: string
  readonly unit?: string
}

export function messageLabel (topic: string, multiId: number): string {
  return multiId > 0 ? `${topic}#${multiId}` : topic
}
