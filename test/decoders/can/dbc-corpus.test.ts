/**
 * Every real DBC file we hold reads, lenient by default, with the messages and
 * signals its text declares; what the parse assumed is a warning with a
 * position inside the file, and a strict parse refuses exactly the files that
 * needed an assumption, at the first one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { DbcParseError, parseDbcBytes } from '../../../decoders/can/dbc-parse.js'
import { decodeDbcBytes } from '../../../decoders/can/dbc-text.js'
import { countWarningKinds } from '../../../decoders/can/dbc-warnings.js'

const root = fileURLToPath(new URL('../../../../shared/fixtures/dbc/', import.meta.url))
const files = [root, root + 'opendbc/'].filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort().map((f) => dir + f))

if (files.length === 0) {
  t.skip(`DBC fixtures not present in ${root}`, async () => {})
}

/** Counted from the text with line patterns, not with our parser. */
function declared (text: string): { messages: Set<string>, signals: number } {
  const messages = new Set<string>()
  let signals = 0
  const seenInMessage = new Set<string>()
  for (const line of text.split(/\r\n|\r|\n/)) {
    const bo = /^\s*BO_\s+(\d+)\s/.exec(line)
    if (bo !== null) {
      messages.add(bo[1] as string)
      seenInMessage.clear()
    }
    const sg = /^\s+SG_\s+(\S+)\s/.exec(line)
    if (sg !== null && !seenInMessage.has(sg[1] as string)) {
      seenInMessage.add(sg[1] as string)
      signals++
    }
  }
  return { messages, signals }
}

const totals: Record<string, number> = {}
for (const path of files) {
  const name = path.slice(root.length)
  t.test(`${name} reads, with every message and signal its text declares`, async (t) => {
    const bytes = readFileSync(path)
    const text = decodeDbcBytes(bytes)
    const lines = text.split(/\r\n|\r|\n/).length
    const db = parseDbcBytes(bytes, name)
    const { messages, signals } = declared(text)
    t.equal(db.messages.length, messages.size, 'one message per BO_ id')
    // a later BO_ of an id replaces the earlier one, as cantools' lookup does
    t.ok(db.messages.reduce((n, m) => n + m.signals.length, 0) <= signals, 'no signal the text does not declare')
    t.ok(db.warnings.every((w) => w.fileName === name && w.line >= 1 && w.line <= lines && w.column >= 1), 'every warning points into the file')
    for (const [kind, n] of Object.entries(countWarningKinds(db.warnings))) totals[kind] = (totals[kind] ?? 0) + (n as number)

    if (db.warnings.length === 0) {
      t.same(parseDbcBytes(bytes, name, { strict: true }), db, 'strict reads it the same')
    } else {
      const first = db.warnings.reduce((a, b) => (b.line < a.line || (b.line === a.line && b.column < a.column)) ? b : a)
      const error = t.throws(() => parseDbcBytes(bytes, name, { strict: true }))
      t.type(error, DbcParseError)
      t.ok(error instanceof DbcParseError && db.warnings.some((w) => w.line === error.line && w.column === error.column),
        `strict refuses it where the lenient parse warned (first warning at ${first.line}:${first.column})`)
    }
  })
}

t.teardown(() => {
  if (files.length > 0) t.comment(`${files.length} files, warnings by kind: ${JSON.stringify(totals)}`)
})
