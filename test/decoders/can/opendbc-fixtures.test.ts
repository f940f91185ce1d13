import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { decodeRaw, encodeRaw } from '../../../decoders/can/codec.js'
import { parseDbc } from '../../../decoders/can/dbc-parse.js'

// Real-world DBC files from opendbc (MIT), kept beside the repository.
const dir = fileURLToPath(new URL('../../../../shared/fixtures/dbc/', import.meta.url))
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort() : []

if (files.length === 0) {
  t.skip(`opendbc fixtures not present in ${dir}`, async () => {})
}

for (const file of files) {
  t.test(`parses ${file} and round-trips every signal layout in it`, async (t) => {
    const db = parseDbc(readFileSync(dir + file, 'utf8'), file)
    const signals = db.messages.reduce((n, m) => n + m.signals.length, 0)
    t.ok(db.messages.length > 0, `${file}: ${db.messages.length} messages`)
    t.comment(`${file}: ${db.messages.length} messages, ${signals} signals, ${db.nodes.length} nodes, ` +
      `${db.messages.filter((m) => m.extended).length} extended ids, ` +
      `${db.messages.filter((m) => m.signals.some((s) => s.isMultiplexer)).length} multiplexed, ${db.warnings.length} warnings`)

    // Each signal alone in a payload of its message's length: the raw maximum
    // and a mixed bit pattern come back unchanged.
    const failures: string[] = []
    for (const message of db.messages) {
      for (const signal of message.signals) {
        if (signal.valueType !== 'integer') continue
        const bits = Math.min(signal.length, 53)
        const patterns = signal.signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, -1] : [2 ** bits - 1, Math.floor((2 ** bits - 1) / 3)]
        for (const raw of patterns) {
          const data = new Uint8Array(message.length)
          encodeRaw(signal, data, raw)
          const back = decodeRaw(signal, data)
          if (back !== raw) failures.push(`${message.name}.${signal.name}: ${raw} -> ${back}`)
        }
      }
    }
    t.same(failures, [], `${signals} signals: every integer layout round-trips its raw extremes`)
  })
}
