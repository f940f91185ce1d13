/**
 * What the PX4 ULog spec's "Requirements for Parsers" ask, and pyulog does:
 * unknown message types are skipped, a log cut mid-message is read up to the
 * cut, damaged messages are skipped and flagged, and the read goes on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { SYNC_MAGIC } from '../../../decoders/ulog/message-types.js'
import { summarizeUlogTopics } from '../../../gateway/cli/decode.js'
import { APPENDED, collect, fixture, FIXTURE_DIR, fixturesPresent, SMALL } from './helpers.js'
import { handParse } from './hand-parse.js'
import { concat, fields, UlogBuilder } from './ulog-builder.js'

function tinyLog (): UlogBuilder {
  return new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').addLogged(0, 'x')
    .data(0, fields(['u64', 1n], ['f32', 1])).data(0, fields(['u64', 2n], ['f32', 2]))
}

const third = fields(['u64', 3n], ['f32', 3])
/** A message header (uint16 size, uint8 type) without its body. */
const headerOf = (type: number, size: number): Uint8Array => Uint8Array.of(size & 0xff, size >> 8, type)

t.test('an unknown message type is skipped by its size and counted, in the data section and in the definitions', async (t) => {
  const inData = await collect(tinyLog().message('Z', new Uint8Array(4)).data(0, third).bytes())
  t.equal(inData.error, undefined)
  t.same(inData.rows.map((r) => r.value), [1, 2, 3], 'the message after it is read')
  t.match(inData.reader.stats, { unknownMessages: 1, corrupt: false, messagesRead: 5 })
  t.same(inData.reader.stats.warnings, [], 'a newer message type is not damage')
  t.equal(inData.reader.stats.topics.get('x')?.messages, 3)

  const inDefinitions = await collect(new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').message('Z', new Uint8Array(4))
    .addLogged(0, 'x').data(0, fields(['u64', 1n], ['f32', 1])).bytes())
  t.equal(inDefinitions.error, undefined, 'openUlog does not refuse it')
  t.same(inDefinitions.rows.map((r) => r.value), [1])
  t.match(inDefinitions.reader.stats, { unknownMessages: 1, corrupt: false })
})

t.test('a data message for a msg_id nothing subscribed, or of a size its format cannot have, is skipped and flagged; later ones are read', async (t) => {
  const b = tinyLog()
  const unsubscribedAt = b.length
  b.data(9, third)
  const shortAt = b.length
  b.data(0, fields(['u64', 4n])).data(0, third).data(0, fields(['u64', 5n], ['f32', 5]))
  const { reader, rows, error } = await collect(b.bytes())
  t.equal(error, undefined, 'not a failure')
  t.same(rows.map((r) => r.value), [1, 2, 3, 5])
  t.match(reader.stats, { skippedDataMessages: 2, dataMessages: 4, corrupt: true })
  t.equal(reader.stats.warnings.length, 2)
  t.match(reader.stats.warnings, [
    { offset: unsubscribedAt, detail: /msg_id 9, which no 'A' message subscribed: skipped/ },
    { offset: shortAt, detail: /8 bytes for 'x', whose format needs 12: skipped/ }
  ])
  t.match(reader.stats.topics.get('x'), { messages: 4, firstUs: 1, lastUs: 5 })
})

t.test('a damaged message header (type 0, or an unknown type over 10000 bytes): reading resumes after the next sync message', async (t) => {
  for (const [what, type, size] of [['type 0', 0, 20], ['a 20000-byte unknown type', 0x5a, 20000]] as const) {
    const b = tinyLog()
    const damagedAt = b.length
    b.raw(headerOf(type, size)).raw(new Uint8Array(size).fill(0x44)).sync()
    const resumeAt = b.length
    b.data(0, third)
    for (const windowSize of [undefined, 64]) {
      const { reader, rows, error } = await collect(b.bytes(), windowSize === undefined ? {} : { windowSize })
      t.equal(error, undefined, what)
      t.same(rows.map((r) => r.value), [1, 2, 3], `${what}, window ${windowSize ?? 'default'}: the message after the sync is read`)
      t.match(reader.stats, { corrupt: true, skippedBytes: resumeAt - damagedAt, unknownMessages: 0 })
      t.match(reader.stats.warnings, [{ offset: damagedAt, detail: new RegExp(`reading resumes after the next sync message, at byte ${resumeAt}`) }])
    }
  }
})

t.test('a damaged message header with no sync message after it: the rest is skipped and flagged, the read ends cleanly', async (t) => {
  const b = tinyLog()
  const zerosAt = b.length
  const { reader, rows, error } = await collect(b.raw(new Uint8Array(50)).bytes())
  t.equal(error, undefined)
  t.same(rows.map((r) => r.value), [1, 2])
  t.match(reader.stats, { corrupt: true, skippedBytes: 50 })
  t.equal(reader.stats.truncated, undefined, 'damage, not a cut')
  t.match(reader.stats.warnings, [{ offset: zerosAt, detail: /no sync message after it: the 50 bytes from here are not read/ }])
})

t.test('an unknown message that holds a sync message is damage: reading resumes after the sync, as pyulog does', async (t) => {
  const swallowed = new UlogBuilder().data(0, third).bytes().subarray(16)
  const { reader, rows, error } = await collect(tinyLog().message('Z', concat(Uint8Array.of(1, 2, 3), Uint8Array.from(SYNC_MAGIC), swallowed)).bytes())
  t.equal(error, undefined)
  t.same(rows.map((r) => r.value), [1, 2, 3], 'the data message after the sync magic is read')
  t.match(reader.stats, { corrupt: true, unknownMessages: 0, warnings: [{ detail: /holds a sync message/ }] })
})

t.test('a log cut mid-message is read up to the cut; the unfinished message is discarded and the cut recorded', async (t) => {
  const bytes = tinyLog().data(0, third).bytes()
  const { reader, rows, error } = await collect(bytes.subarray(0, bytes.length - 5))
  t.equal(error, undefined, 'not a failure')
  t.same(rows.map((r) => r.value), [1, 2])
  t.equal(reader.stats.messagesRead, 3, "the 'A' and two 'D' messages")
  t.match(reader.stats.truncated, { offset: bytes.length - 17, detail: /the log ends inside a message \(17 bytes needed, 12 left\): cut mid-message, the unfinished message is discarded/ })
  t.equal(reader.stats.corrupt, false, 'a cut is not damage')
})

t.test('a header-only or definitions-only file, or one cut in its definitions, is an empty log with the cut recorded', async (t) => {
  const headerOnly = new UlogBuilder().bytes()
  const definitionsOnly = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').bytes()
  const full = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').format('y:uint64_t timestamp;float w;').bytes()
  for (const [what, bytes, offset, detail] of [
    ['header only', headerOnly, 16, /the log ends after its definitions, before any data/],
    ['definitions only', definitionsOnly, definitionsOnly.length, /the log ends after its definitions, before any data/],
    ['cut in the last format', full.subarray(0, full.length - 5), definitionsOnly.length, /the log ends inside a message, in its definitions section \(32 bytes needed, 27 left\): cut mid-message/]
  ] as const) {
    const { reader, rows, error } = await collect(bytes)
    t.equal(error, undefined, `${what}: read, not refused`)
    t.equal(rows.length, 0, what)
    t.match(reader.stats.truncated, { offset, detail }, what)
    t.same([...reader.header.formats.keys()], bytes === headerOnly ? [] : ['x'], `${what}: the whole formats are kept`)
  }
})

t.test('appended data announced past the end of the file: the log is read and the cut recorded', async (t) => {
  const bytes = new UlogBuilder().flagBits([100000n]).format('x:uint64_t timestamp;float v;').addLogged(0, 'x').data(0, third).bytes()
  const { reader, rows, error } = await collect(bytes)
  t.equal(error, undefined)
  t.same(rows.map((r) => r.value), [3])
  t.match(reader.stats.truncated, { offset: bytes.length, detail: /appended data at byte 100000, past the end of the file/ })
})

if (!fixturesPresent) {
  t.skip(`ULog fixtures not present in ${FIXTURE_DIR}; the cut and flipped-byte tests on real files need them`, async () => {})
} else {
  const small = fixture(SMALL)
  const full = collect(bytesSource(small, SMALL), { order: 'file' })
  const dataStart = handParse(small).dataStart

  t.test('sample_log_small.ulg cut in its definitions: an empty log, the cut recorded', async (t) => {
    for (const cut of [17, 1000, 30000, dataStart - 1]) {
      const { reader, rows, error } = await collect(bytesSource(small.subarray(0, cut), 'cut.ulg'))
      t.equal(error, undefined, `cut at ${cut}`)
      t.equal(rows.length, 0)
      const truncated = reader.stats.truncated
      t.match(truncated?.detail, /the log ends inside a message.*: cut mid-message/, `cut at ${cut}`)
      t.ok((truncated?.offset ?? -1) <= cut && (truncated?.offset ?? -1) >= 16, `offset ${truncated?.offset} is the start of the cut message`)
    }
  })

  t.test('sample_log_small.ulg cut in the data section: every whole message before the cut is read, the cut recorded', async (t) => {
    const all = (await full).rows
    for (const cut of [dataStart + 1, dataStart + 5000, 400_000, small.length - 1]) {
      const cutBytes = small.subarray(0, cut)
      const { reader, rows, error } = await collect(bytesSource(cutBytes, 'cut.ulg'), { order: 'file' })
      t.equal(error, undefined, `cut at ${cut}`)
      t.equal(reader.stats.messagesRead, handParse(cutBytes).messages, `cut at ${cut}: ${reader.stats.messagesRead} whole messages`)
      t.equal(reader.stats.samplesEmitted, rows.length)
      t.same(rows.map((r) => r.value), all.slice(0, rows.length).map((r) => r.value), 'the samples read are the start of the full read')
      t.match(reader.stats.truncated, { detail: /the log ends inside a message .*: cut mid-message/ })
      t.ok((reader.stats.truncated?.offset ?? Infinity) < cut, 'at the start of the unfinished message')
    }
  })

  t.test('sample_log_small.ulg with flipped bytes in a data message: that message is skipped, every other one read', async (t) => {
    // The first 'D' message after the data section starts (found by hand).
    let at = dataStart
    const view = new DataView(small.buffer, small.byteOffset)
    while (small[at + 2] !== 0x44) at += 3 + view.getUint16(at, true)

    const typeFlipped = small.slice(); typeFlipped[at + 2] = 0xff
    const unknown = await collect(typeFlipped)
    t.equal(unknown.error, undefined, 'a type this reader does not know')
    t.match(unknown.reader.stats, { unknownMessages: 1, dataMessages: 14603, corrupt: false })

    const idFlipped = small.slice(); idFlipped[at + 4] = 0x7f
    const unsubscribed = await collect(idFlipped)
    t.equal(unsubscribed.error, undefined, 'a msg_id nothing subscribed')
    t.match(unsubscribed.reader.stats, { skippedDataMessages: 1, dataMessages: 14603, corrupt: true, warnings: [{ offset: at }] })
  })

  t.test('sample_appended_multiple.ulg cut inside its appended data: the main data section is read, the cut recorded', async (t) => {
    const { reader, rows, error } = await collect(fixture(APPENDED).subarray(0, 440_000))
    t.equal(error, undefined)
    t.match(reader.stats.truncated, { offset: 434369, detail: /cut mid-message/ }, 'the cut hardfault message at the first appended offset')
    t.equal(reader.stats.messagesRead, 6925, 'the whole main data section')
    t.equal(rows.length, 83540)
  })

  t.test('pitwall decode --ulog --topics on a log cut by power loss: the counts of every whole message, and where it ends', async (t) => {
    const cut = join(mkdtempSync(join(tmpdir(), 'pitwall-ulog-')), 'cut.ulg')
    writeFileSync(cut, small.subarray(0, small.length - 10))
    const whole = await summarizeUlogTopics(FIXTURE_DIR + SMALL)
    const summary = await summarizeUlogTopics(cut)
    t.equal(summary.dataMessages, whole.dataMessages - 1, 'all but the unfinished message')
    t.equal(Object.keys(summary.topics).length, Object.keys(whole.topics).length)
    t.ok(summary.truncated?.startsWith(`${cut} at byte `), summary.truncated ?? 'not cut')
    t.match(summary.truncated, /: the log ends inside a message \(\d+ bytes needed, \d+ left\): cut mid-message/)
    t.equal(whole.truncated, null)
  })
}
