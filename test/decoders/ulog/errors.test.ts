import t from 'tap'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { UlogError } from '../../../decoders/ulog/errors.js'
import { openUlogFile } from '../../../decoders/ulog/file.js'
import { APPENDED, collect, fixture, FIXTURE_DIR, fixturesPresent, SMALL, type Collected } from './helpers.js'
import { handParse } from './hand-parse.js'
import { fields, UlogBuilder } from './ulog-builder.js'

/** Opens and reads a log; the UlogError from either step, or a failure when there is none. */
async function failure (bytes: Uint8Array, name = 'cut.ulg'): Promise<{ error: UlogError, read?: Collected }> {
  let read: Collected
  try {
    read = await collect(bytesSource(bytes, name), { order: 'file' })
  } catch (err) {
    if (err instanceof UlogError) return { error: err }
    throw err
  }
  if (read.error === undefined) throw new Error(`${name}: read to the end without an error`)
  return { error: read.error, read }
}

function tinyLog (): UlogBuilder {
  return new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').addLogged(0, 'x')
    .data(0, fields(['u64', 1n], ['f32', 1])).data(0, fields(['u64', 2n], ['f32', 2]))
}

t.test('synthetic damage: each gives its stable code, the byte offset and what was expected', async (t) => {
  const good = tinyLog().bytes()
  const cases: Array<[string, Uint8Array, UlogError['code'], number, RegExp]> = []
  const notMagic = good.slice(); notMagic[3] = 0x47
  cases.push(['wrong magic', notMagic, 'PITWALL_ERR_ULOG_NOT_ULOG', 3, /not a ULog file/])
  cases.push(['empty file', new Uint8Array(0), 'PITWALL_ERR_ULOG_TRUNCATED', 0, /ends inside the ULog magic/])
  const incompat = good.slice(); incompat[16 + 3 + 8] = 0x02
  cases.push(['unknown incompat flag', incompat, 'PITWALL_ERR_ULOG_UNSUPPORTED', 27, /incompatible flag byte 0/])
  const selfNested = new UlogBuilder().flagBits().format('x:uint64_t timestamp;x inner;').addLogged(0, 'x').bytes()
  cases.push(['format containing itself', selfNested, 'PITWALL_ERR_ULOG_CORRUPT', selfNested.length - 7, /'x' contains itself/])
  const noTimestamp = new UlogBuilder().flagBits().format('x:float v;').addLogged(0, 'x').bytes()
  cases.push(['format without timestamp', noTimestamp, 'PITWALL_ERR_ULOG_CORRUPT', noTimestamp.length - 7, /no timestamp field/])
  const unsubscribed = tinyLog().data(9, fields(['u64', 3n], ['f32', 3])).bytes()
  cases.push(['data for an unknown msg_id', unsubscribed, 'PITWALL_ERR_ULOG_CORRUPT', unsubscribed.length - 17, /msg_id 9, which no 'A' message subscribed/])
  const short = tinyLog().data(0, fields(['u64', 3n])).bytes()
  cases.push(['data shorter than its format', short, 'PITWALL_ERR_ULOG_CORRUPT', short.length - 13, /8 bytes for 'x', whose format needs 12/])
  const unknownType = tinyLog().message('Z', new Uint8Array(4)).bytes()
  cases.push(['unknown message type', unknownType, 'PITWALL_ERR_ULOG_CORRUPT', unknownType.length - 7, /found type 'Z' \(0x5a\)/])
  const appendedPastEnd = new UlogBuilder().flagBits([100000n]).format('x:uint64_t timestamp;float v;').addLogged(0, 'x').bytes()
  cases.push(['appended data past the end', appendedPastEnd, 'PITWALL_ERR_ULOG_TRUNCATED', appendedPastEnd.length, /appended data at byte 100000/])

  for (const [what, bytes, code, offset, detail] of cases) {
    const { error } = await failure(bytes)
    t.equal(error.code, code, `${what}: ${error.message}`)
    t.equal(error.offset, offset, `${what}: offset`)
    t.match(error.message, new RegExp(`^cut\\.ulg at byte ${offset}: `))
    t.match(error.message, detail)
  }
})

t.test('samples before the damage are yielded, and the error counts them', async (t) => {
  const bytes = tinyLog().data(0, fields(['u64', 3n], ['f32', 3])).bytes()
  const { error, read } = await failure(bytes.subarray(0, bytes.length - 5))
  t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED')
  t.match(error.message, /ends inside a message \(17 bytes needed, 12 left\)/)
  t.same(read?.rows.map((r) => r.value), [1, 2])
  t.equal(error.messagesRead, 3, "the 'A' and two 'D' messages")
  t.equal(error.samplesEmitted, 2)
  t.match(error.message, /\(3 messages and 2 samples read before it\)/)
})

if (!fixturesPresent) {
  t.skip(`ULog fixtures not present in ${FIXTURE_DIR}; the truncation and flipped-byte tests on real files need them`, async () => {})
} else {
  const small = fixture(SMALL)
  const full = collect(bytesSource(small, SMALL), { order: 'file' })
  const dataStart = handParse(small).dataStart

  t.test('sample_log_small.ulg cut in the header and in the definitions: nothing to recover, the offset of the cut', async (t) => {
    for (const cut of [0, 5, 12]) {
      const { error } = await failure(small.subarray(0, cut))
      t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED', `cut at ${cut}: ${error.message}`)
    }
    for (const cut of [17, 1000, 30000, dataStart - 1]) {
      const { error } = await failure(small.subarray(0, cut))
      t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED', `cut at ${cut}: ${error.message}`)
      t.match(error.message, /ends inside a definitions message/)
      t.ok(error.offset <= cut && error.offset >= 16, `offset ${error.offset} is the start of the cut message`)
    }
  })

  t.test('sample_log_small.ulg cut in the data section: every whole message before the cut is recovered', async (t) => {
    const all = (await full).rows
    for (const cut of [dataStart + 1, dataStart + 5000, 400_000, small.length - 1]) {
      const cutBytes = small.subarray(0, cut)
      const { error, read } = await failure(cutBytes)
      t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED', `cut at ${cut}: ${error.message}`)
      t.equal(error.messagesRead, handParse(cutBytes).messages, `cut at ${cut}: ${error.messagesRead} whole messages`)
      const rows = read?.rows ?? []
      t.equal(error.samplesEmitted, rows.length)
      t.same(rows.map((r) => r.value), all.slice(0, rows.length).map((r) => r.value), 'the recovered samples are the start of the full read')
    }
  })

  t.test('sample_log_small.ulg with flipped bytes: corrupt at the damaged message', async (t) => {
    // The first 'D' message after the data section starts (found by hand).
    let at = dataStart
    const view = new DataView(small.buffer, small.byteOffset)
    while (small[at + 2] !== 0x44) at += 3 + view.getUint16(at, true)
    const typeFlipped = small.slice(); typeFlipped[at + 2] = 0xff
    const typeError = (await failure(typeFlipped)).error
    t.equal(typeError.code, 'PITWALL_ERR_ULOG_CORRUPT')
    t.equal(typeError.offset, at)
    t.match(typeError.message, /found type 0xff/)

    const idFlipped = small.slice(); idFlipped[at + 4] = 0x7f
    t.match((await failure(idFlipped)).error, { code: 'PITWALL_ERR_ULOG_CORRUPT', offset: at })

    const formatFlipped = small.slice()
    const colon = small.indexOf(0x3a, 16 + 3 + 40 + 3) // the ':' of the first format
    formatFlipped[colon] = 0x20
    t.match((await failure(formatFlipped)).error, { code: 'PITWALL_ERR_ULOG_CORRUPT', message: /format 'F' message/ })
  })

  t.test('sample_appended_multiple.ulg cut inside its appended data', async (t) => {
    const appended = fixture(APPENDED)
    const { error, read } = await failure(appended.subarray(0, 440_000))
    t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED')
    t.equal(error.offset, 434369, 'the cut hardfault message at the first appended offset')
    t.equal(error.messagesRead, 6925, 'the whole main data section')
    t.equal(read?.rows.length, 83540)
  })

  t.test('a file that cannot be opened is a PITWALL_ERR_ULOG_IO naming it', async (t) => {
    await t.rejects(openUlogFile(FIXTURE_DIR + 'missing.ulg'), { code: 'PITWALL_ERR_ULOG_IO', message: /missing\.ulg: cannot open/ })
  })
}
