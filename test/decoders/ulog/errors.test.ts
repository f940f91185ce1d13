import t from 'tap'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { UlogError } from '../../../decoders/ulog/errors.js'
import { openUlogFile } from '../../../decoders/ulog/file.js'
import { collect, fixture, FIXTURE_DIR, fixturesPresent, SMALL, type Collected } from './helpers.js'
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
  const headerOf = (type: number, size: number): Uint8Array => Uint8Array.of(size & 0xff, size >> 8, type)
  const damagedDefinition = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').raw(headerOf(0, 4)).raw(new Uint8Array(4)).addLogged(0, 'x').bytes()
  cases.push(['damaged header in the definitions (type 0)', damagedDefinition, 'PITWALL_ERR_ULOG_CORRUPT', damagedDefinition.length - 7 - 7, /damaged message header in the definitions section: type 0x00 with size 4/])

  for (const [what, bytes, code, offset, detail] of cases) {
    const { error } = await failure(bytes)
    t.equal(error.code, code, `${what}: ${error.message}`)
    t.equal(error.offset, offset, `${what}: offset`)
    t.match(error.message, new RegExp(`^cut\\.ulg at byte ${offset}: `))
    t.match(error.message, detail)
  }
})

t.test('samples before damage the reader cannot read past are yielded, and the error counts them', async (t) => {
  const bytes = tinyLog().message('S', new Uint8Array(8)).data(0, fields(['u64', 3n], ['f32', 3])).bytes()
  const { error, read } = await failure(bytes)
  t.equal(error.code, 'PITWALL_ERR_ULOG_CORRUPT')
  t.match(error.message, /a sync 'S' message without the sync magic/)
  t.same(read?.rows.map((r) => r.value), [1, 2])
  t.equal(error.messagesRead, 3, "the 'A' and two 'D' messages")
  t.equal(error.samplesEmitted, 2)
  t.match(error.message, /\(3 messages and 2 samples read before it\)/)
})

if (!fixturesPresent) {
  t.skip(`ULog fixtures not present in ${FIXTURE_DIR}; the cut-header and flipped-format tests on real files need them`, async () => {})
} else {
  const small = fixture(SMALL)

  t.test('sample_log_small.ulg cut in its 16-byte header: nothing to recover', async (t) => {
    for (const cut of [0, 5, 12]) {
      const { error } = await failure(small.subarray(0, cut))
      t.equal(error.code, 'PITWALL_ERR_ULOG_TRUNCATED', `cut at ${cut}: ${error.message}`)
      t.match(error.message, /ends inside the (ULog magic|16-byte header)/)
    }
  })

  t.test('sample_log_small.ulg with a flipped format: corrupt definitions are refused', async (t) => {
    const formatFlipped = small.slice()
    const colon = small.indexOf(0x3a, 16 + 3 + 40 + 3) // the ':' of the first format
    formatFlipped[colon] = 0x20
    t.match((await failure(formatFlipped)).error, { code: 'PITWALL_ERR_ULOG_CORRUPT', message: /format 'F' message/ })
  })

  t.test('a file that cannot be opened is a PITWALL_ERR_ULOG_IO naming it', async (t) => {
    await t.rejects(openUlogFile(FIXTURE_DIR + 'missing.ulg'), { code: 'PITWALL_ERR_ULOG_IO', message: /missing\.ulg: cannot open/ })
  })
}
