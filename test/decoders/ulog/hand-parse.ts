/**
 * A deliberately naive second reading of a ULog, sharing no code with
 * decoders/ulog or @foxglove/ulog, so fixture facts are checked against
 * something independent: walk every message, keep the format strings, the
 * subscriptions and, per msg_id, the count, the first and last timestamp
 * (every PX4 format starts with `uint64_t timestamp`) and the first body.
 */
export interface HandTopic {
  readonly name: string
  readonly multiId: number
  count: number
  firstUs: bigint
  lastUs: bigint
  firstBody?: Uint8Array
}

export interface HandParse {
  readonly formats: Map<string, string>
  readonly topics: Map<number, HandTopic>
  readonly messages: number
  readonly dataStart: number
}

export function handParse (bytes: Uint8Array): HandParse {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const formats = new Map<string, string>()
  const topics = new Map<number, HandTopic>()
  const latin = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to))
  let at = 16
  let appended: number[] = []
  let dataStart = -1
  let messages = 0
  let end = bytes.length
  for (;;) {
    if (at + 3 > end || at + 3 + view.getUint16(at, true) > end) {
      const next = appended.shift()
      if (next === undefined) break
      at = next
      end = appended[0] ?? bytes.length
      continue
    }
    const size = view.getUint16(at, true)
    const type = String.fromCharCode(bytes[at + 2] as number)
    const body = at + 3
    if ('ARDLCSO'.includes(type) && dataStart < 0) dataStart = at
    if (dataStart >= 0) messages++
    if (type === 'B' && (bytes[body + 8] as number & 1) === 1) {
      appended = [0, 1, 2].map((i) => Number(view.getBigUint64(body + 16 + 8 * i, true))).filter((o) => o > 0)
      end = appended[0] ?? bytes.length
    } else if (type === 'F') {
      const text = latin(body, body + size)
      formats.set(text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1))
    } else if (type === 'A') {
      topics.set(view.getUint16(body + 1, true), { name: latin(body + 3, body + size), multiId: bytes[body] as number, count: 0, firstUs: -1n, lastUs: -1n })
    } else if (type === 'D') {
      const topic = topics.get(view.getUint16(body, true))
      if (topic === undefined) throw new Error(`D for an unsubscribed msg_id at ${at}`)
      const t = view.getBigUint64(body + 2, true)
      if (topic.count === 0) { topic.firstUs = t; topic.firstBody = bytes.slice(body + 2, body + size) }
      topic.lastUs = t
      topic.count++
    }
    at = body + size
  }
  return { formats, topics, messages, dataStart }
}

export function topicByName (parse: HandParse, name: string, multiId = 0): HandTopic {
  for (const t of parse.topics.values()) if (t.name === name && t.multiId === multiId) return t
  throw new Error(`no subscription ${name}#${multiId}`)
}
