import t from 'tap'
import { SeededRandom } from '../../../sim/prng.js'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { UlogError } from '../../../decoders/ulog/errors.js'
import { openUlog } from '../../../decoders/ulog/read.js'
import { fixture, FIXTURE_DIR, fixturesPresent, SMALL } from './helpers.js'
import { concat, fields, UlogBuilder } from './ulog-builder.js'

const CASE_TIMEOUT_MS = 10_000

type Outcome = 'complete' | 'complete, cut' | 'complete, damage skipped' | UlogError['code']

/**
 * Reads `bytes` to the end with every option that changes the code path.
 * Completion (clean, cut, or with damage skipped) or a UlogError are the only allowed outcomes; a watchdog fails
 * the case if it runs longer than CASE_TIMEOUT_MS or reads more messages than
 * the bytes can hold (a message is at least 3 bytes), which is how a loop
 * that stopped advancing would show.
 */
async function readAll (bytes: Uint8Array, seed: number): Promise<Outcome> {
  const deadline = Date.now() + CASE_TIMEOUT_MS
  try {
    const reader = await openUlog(bytesSource(bytes, `fuzz-${seed}.ulg`), { order: seed % 2 === 0 ? 'time' : 'file', windowSize: 64 + (seed % 4096) })
    for await (const chunk of reader.chunks()) {
      if (chunk.samples.length === 0) throw new Error('empty chunk')
      if (reader.stats.messagesRead > bytes.length / 3 || Date.now() > deadline) throw new Error(`watchdog: ${reader.stats.messagesRead} messages from ${bytes.length} bytes`)
    }
    if (Date.now() > deadline) throw new Error('watchdog: too slow')
    return reader.stats.corrupt ? 'complete, damage skipped' : reader.stats.truncated !== undefined ? 'complete, cut' : 'complete'
  } catch (err) {
    if (err instanceof UlogError) {
      if (!err.message.startsWith(`fuzz-${seed}.ulg`)) throw new Error(`error does not name the file: ${err.message}`)
      return err.code
    }
    throw new Error(`case ${seed}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  }
}

function tally (outcomes: Outcome[]): string {
  const counts = new Map<Outcome, number>()
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1)
  return [...counts].map(([o, n]) => `${o}: ${n}`).join(', ')
}

t.test('random bytes, with and without a valid header in front', async (t) => {
  const rng = new SeededRandom(0x0106)
  const valid = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;uint8_t[3] a;').addLogged(0, 'x').bytes()
  const outcomes: Outcome[] = []
  for (let c = 0; c < 400; c++) {
    const random = Uint8Array.from({ length: rng.int(0, 3000) }, () => rng.int(0, 255))
    const prefix = c % 4 === 0 ? new Uint8Array(0) : c % 4 === 1 ? valid.subarray(0, 16) : valid
    const bytes = new Uint8Array(prefix.length + random.length)
    bytes.set(prefix)
    bytes.set(random, prefix.length)
    outcomes.push(await readAll(bytes, c))
  }
  t.comment(tally(outcomes))
  t.equal(outcomes.length, 400)
})

t.test('mutated synthetic logs: flipped, inserted and deleted bytes', async (t) => {
  const rng = new SeededRandom(0x0107)
  const b = new UlogBuilder().flagBits().info('char[3] sys_name', new TextEncoder().encode('PX4'))
    .format('m:float rpm;uint8_t i;uint8_t[3] _padding0;')
    .format('x:uint64_t timestamp;float v;m[2] motors;int64_t big;bool ok;uint8_t[7] _padding0;')
    .addLogged(0, 'x').addLogged(1, 'x', 1)
  for (let i = 0; i < 200; i++) {
    b.data(i % 2, fields(['u64', BigInt(i * 1000)], ['f32', i], ['f32', 1], ['u8', 0], ['pad', 3], ['f32', 2], ['u8', 1], ['pad', 3], ['i64', BigInt(-i)], ['bool', 1], ['pad', 7]))
    if (i % 50 === 0) b.sync().dropout(5).log(BigInt(i * 1000), 'tick')
  }
  const original = b.bytes()
  const outcomes: Outcome[] = []
  for (let c = 0; c < 300; c++) outcomes.push(await readAll(mutate(original, rng), 1000 + c))
  t.comment(tally(outcomes))
  t.ok(['complete', 'complete, cut', 'complete, damage skipped', 'PITWALL_ERR_ULOG_CORRUPT'].every((o) => outcomes.includes(o as Outcome)),
    'clean reads, cuts, skipped damage and damage that stops the read all occur')
})

if (!fixturesPresent) {
  t.skip(`ULog fixtures not present in ${FIXTURE_DIR}; the mutated-fixture fuzz needs them`, async () => {})
} else {
  t.test('mutated sample_log_small.ulg (its definitions and the first 60 KB of data)', async (t) => {
    const rng = new SeededRandom(0x0108)
    const original = fixture(SMALL).subarray(0, 120_000)
    const outcomes: Outcome[] = []
    for (let c = 0; c < 120; c++) outcomes.push(await readAll(mutate(original, rng), 2000 + c))
    t.comment(tally(outcomes))
    t.equal(outcomes.length, 120)
  })
}

/** One to eight random edits: flip a byte, set one to 0x00/0xff, insert or delete a run, or cut the tail. */
function mutate (original: Uint8Array, rng: SeededRandom): Uint8Array {
  let bytes: Uint8Array = original.slice()
  const edits = rng.int(1, 8)
  for (let e = 0; e < edits; e++) {
    const at = rng.int(0, Math.max(0, bytes.length - 1))
    switch (rng.int(0, 5)) {
      case 0: bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(0, 7)); break
      case 1: bytes[at] = rng.chance(0.5) ? 0 : 0xff; break
      case 2: bytes[at] = rng.int(0, 255); break
      case 3: {
        const run = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255))
        bytes = concat(bytes.subarray(0, at), run, bytes.subarray(at))
        break
      }
      case 4: {
        bytes = concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + rng.int(1, 16))))
        break
      }
      default: bytes = bytes.subarray(0, at)
    }
  }
  return bytes
}
