import t from 'tap'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { collectInWorker } from './collect-in-worker.js'
import { collect } from './helpers.js'
import { fields, UlogBuilder } from './ulog-builder.js'

// A topic with every numeric type, an array, a nested struct array, text and padding.
function richLog (): UlogBuilder {
  return new UlogBuilder(5n)
    .flagBits()
    .info('char[3] sys_name', new TextEncoder().encode('PX4'))
    .info('int32_t time_ref_utc', fields(['i32', -3600]))
    .parameter('float MPC_XY_VEL_MAX', fields(['f32', 12]))
    .format('motor:float rpm;uint8_t index;uint8_t[3] _padding0;')
    .format('demo:uint64_t timestamp;int8_t a;uint8_t b;bool c;int16_t d;uint16_t e;int32_t f;uint32_t g;int64_t h;uint64_t i;float j;double k;float[2] arr;motor[2] motors;char[4] label;uint8_t[4] _padding0;')
}

function demoBody (ts: bigint, h: bigint, i: bigint): Uint8Array {
  return fields(
    ['u64', ts], ['i8', -5], ['u8', 250], ['bool', 7], ['i16', -300], ['u16', 60000], ['i32', -70000], ['u32', 4000000000],
    ['i64', h], ['u64', i], ['f32', 1.5], ['f64', Math.PI], ['f32', 0.25], ['f32', -0.5],
    ['f32', 1000], ['u8', 1], ['pad', 3], ['f32', 2000], ['u8', 2], ['pad', 3], ['char', 'abcd', 4], ['pad', 4]
  )
}

t.test('flattens every numeric type, arrays and nested formats; skips text and padding', async (t) => {
  const bytes = richLog()
    .addLogged(3, 'demo', 2)
    .data(3, demoBody(1000n, -(2n ** 40n), 2n ** 53n + 1n))
    .bytes()
  const { reader, rows, error } = await collect(bytes)
  t.equal(error, undefined)
  t.equal(reader.header.info.get('time_ref_utc'), -3600)
  t.equal(reader.header.info.get('sys_name'), 'PX4')
  t.equal(reader.header.parameters.get('MPC_XY_VEL_MAX'), 12)
  t.equal(reader.header.startUs, 5)
  const got = Object.fromEntries(rows.map((r) => [r.channel.field, r.value]))
  t.same(got, {
    a: -5, b: 250, c: 1, d: -300, e: 60000, f: -70000, g: 4000000000, h: -(2 ** 40),
    // 2^53 + 1 has no double: the nearest is 2^53 (the documented precision cut-off).
    i: 2 ** 53, j: 1.5, k: Math.PI, 'arr[0]': 0.25, 'arr[1]': -0.5,
    'motors[0].rpm': 1000, 'motors[0].index': 1, 'motors[1].rpm': 2000, 'motors[1].index': 2
  })
  const channel = rows[0]?.channel
  t.match(channel, { topic: 'demo', multiId: 2, message: 'demo#2', msgId: 3, field: 'a', type: 'int8_t' })
  t.ok(rows.every((r) => r.t === 1000))
})

t.test('accepts a data message without its trailing padding, as the PX4 logger writes it', async (t) => {
  const full = demoBody(7n, 0n, 0n)
  const bytes = richLog().addLogged(0, 'demo').data(0, full.subarray(0, full.length - 4)).data(0, full).bytes()
  const { rows, error } = await collect(bytes)
  t.equal(error, undefined)
  t.equal(rows.length, 34)
})

t.test('keeps fields whose names start with an underscore; only _padding* is padding (ULog spec)', async (t) => {
  const bytes = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float _internal;float v;uint8_t[4] _padding0;').addLogged(0, 'x')
    .data(0, fields(['u64', 1n], ['f32', 7], ['f32', 1], ['pad', 4])).bytes()
  const { reader, rows, error } = await collect(bytes)
  t.equal(error, undefined)
  t.same(rows.map((r) => `${r.channel.field}=${r.value}`), ['_internal=7', 'v=1'])
  t.equal(reader.stats.topics.get('x')?.numericFields, 2)
})

t.test('reads an empty text info (char[0], as PX4 writes one); skips a key it cannot parse, with a warning', async (t) => {
  const b = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;')
    .info('char[3] sys_name', new TextEncoder().encode('PX4'))
    .info('char[0] ver_sw_branch', new Uint8Array(0))
  const badKeyAt = b.length
  b.info('not-a-key', fields(['i32', 1]))
  const shortValueAt = b.length
  b.info('int32_t time_ref_utc', fields(['u8', 1]))
    .parameter('float MPC_XY_VEL_MAX', fields(['f32', 12]))
    .addLogged(0, 'x').data(0, fields(['u64', 1n], ['f32', 1]))
  const { reader, rows, error } = await collect(b.bytes())
  t.equal(error, undefined, 'the log is read')
  t.same(rows.map((r) => r.value), [1])
  t.same(Object.fromEntries(reader.header.info), { sys_name: 'PX4', ver_sw_branch: '' })
  t.equal(reader.header.parameters.get('MPC_XY_VEL_MAX'), 12, 'what follows the bad keys is read')
  t.equal(reader.stats.warnings.length, 2)
  t.match(reader.stats, { corrupt: true, warnings: [
    { offset: badKeyAt, detail: /a key that is not 'type name' \("not-a-key"\): skipped/ },
    { offset: shortValueAt, detail: /'time_ref_utc' is int32_t but its value has 1 bytes: skipped/ }
  ] })
})

t.test('orders samples by time with bounded memory; a sample older than what was emitted comes out flagged late, not dropped', async (t) => {
  const b = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').addLogged(0, 'x').addLogged(1, 'x', 1)
  // Two instances interleaved with a lag: instance 1 is written 10 ms behind.
  for (let i = 0; i < 100_000; i++) {
    b.data(0, fields(['u64', BigInt(1_000_000 + i * 1000)], ['f32', i]))
    if (i >= 10) b.data(1, fields(['u64', BigInt(1_000_000 + (i - 10) * 1000)], ['f32', i - 10]))
  }
  b.data(1, fields(['u64', 5n], ['f32', -1])) // far behind everything already emitted
  const { reader, rows, chunkSizes } = await collectInWorker(b.bytes())
  t.ok(chunkSizes.length > 1, `${chunkSizes.length} chunks`)
  const inOrder = rows.filter((r) => !r.late)
  t.ok(inOrder.every((r, i) => i === 0 || r.t >= (inOrder[i - 1] as { t: number }).t), 'non-decreasing over all chunks not flagged late')
  t.equal(rows.length, 100_000 + 99_990 + 1, 'every sample, the late one too')
  t.same(rows.filter((r) => r.late).map((r) => [r.channel.message, r.t, r.value]), [['x#1', 5, -1]], 'the late sample, flagged')
  t.equal(reader.stats.lateSamples, 1)
  t.equal(reader.stats.lateMessages, 1)
  t.same([...reader.stats.lateByChannel], [[1, 1]], 'late sample named by channel (x#1.v)')
  t.match(reader.stats.topics.get('x#1'), { messages: 99_991, firstUs: 1_000_000, lastUs: 5, lateMessages: 1 })
  // Ties keep write order: instance 0 comes first at equal timestamps.
  const atOneSecond = rows.filter((r) => r.t === 1_000_000).map((r) => r.channel.message)
  t.same(atOneSecond, ['x', 'x#1'])
})

t.test('a long log whose topics keep their timestamp at 0 or at one value loses no message', async (t) => {
  // PX4 does this (sensor_preflight, commander_state): every message counts, not every distinct time.
  const b = new UlogBuilder().flagBits()
    .format('clock:uint64_t timestamp;float v;float[3] acc;')
    .format('zero:uint64_t timestamp;uint32_t n;')
    .format('stuck:uint64_t timestamp;uint32_t n;float w;')
    .addLogged(0, 'clock').addLogged(1, 'zero').addLogged(2, 'stuck')
  // 60,000 clock messages of 4 fields fill the 131,072-sample reorder buffer twice over
  const messages = 60_000
  for (let i = 0; i < messages; i++) {
    b.data(0, fields(['u64', BigInt(10_000_000 + i * 100)], ['f32', i], ['f32', 0], ['f32', 1], ['f32', 2]))
    if (i % 2 === 0) b.data(1, fields(['u64', 0n], ['u32', i]))
    if (i % 3 === 0) b.data(2, fields(['u64', 1_880_000n], ['u32', i], ['f32', -i]))
  }
  const bytes = b.bytes()
  for (const order of ['time', 'file'] as const) {
    const { reader, rows, error } = await collectInWorker(bytes, { order })
    t.equal(error, undefined)
    const counts = Object.fromEntries([...reader.stats.topics].map(([name, c]) => [name, [c.messages, c.firstUs, c.lastUs]]))
    t.same(counts, {
      clock: [messages, 10_000_000, 10_000_000 + (messages - 1) * 100],
      zero: [messages / 2, 0, 0],
      stuck: [messages / 3, 1_880_000, 1_880_000]
    }, `${order} order: every message counted`)
    // The values count up in file order: the first gap or swap is named (tap's deep compare of 30,000 numbers is slow).
    const firstOutOfStep = (topic: string, field: string, step: number): string => {
      const values = rows.filter((r) => r.channel.message === topic && r.channel.field === field).map((r) => r.value)
      const bad = values.findIndex((v, k) => v !== k * step)
      return bad < 0 ? `${values.length} in file order` : `value ${values[bad]} at position ${bad}`
    }
    t.equal(firstOutOfStep('zero', 'n', 2), `${messages / 2} in file order`, `${order} order: every zero-stamped message emitted`)
    t.equal(firstOutOfStep('stuck', 'w', -3), `${messages / 3} in file order`, `${order} order: every constant-stamped message emitted`)
    t.equal(rows.length, 4 * messages + messages / 2 + 2 * messages / 3)
    if (order === 'time') {
      t.ok(reader.stats.lateMessages > 0, `${reader.stats.lateMessages} messages emitted late, flagged`)
      t.equal(rows.filter((r) => r.late).length, reader.stats.lateSamples)
      t.ok(rows.filter((r) => r.late).every((r) => r.channel.message !== 'clock'), 'the monotonic topic is never late')
    } else {
      t.equal(reader.stats.lateMessages, 0, 'file order has no late messages')
    }
  }
})

t.test('baseTimeUs shifts every timestamp; file order leaves the order as written', async (t) => {
  const log = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').format('y:uint64_t timestamp;int32_t n;')
    .addLogged(0, 'x').addLogged(1, 'y')
    .data(0, fields(['u64', 300n], ['f32', 1])).data(1, fields(['u64', 100n], ['i32', 2])).data(0, fields(['u64', 400n], ['f32', 3]))
    .bytes()
  const timeOrder = await collect(log, { baseTimeUs: 1_700_000_000_000_000 })
  t.same(timeOrder.rows.map((r) => r.t - 1_700_000_000_000_000), [100, 300, 400])
  const fileOrder = await collect(log, { order: 'file' })
  t.same(fileOrder.rows.map((r) => r.value), [1, 2, 3])
})

t.test('follows remove and re-add of subscriptions, dropouts, logs and sync messages', async (t) => {
  const log = new UlogBuilder().flagBits().format('x:uint64_t timestamp;float v;').format('y:uint64_t timestamp;int32_t n;')
    .addLogged(0, 'x').data(0, fields(['u64', 1n], ['f32', 1])).sync().log(2n, 'armed').dropout(120)
    .removeLogged(0).addLogged(0, 'y').data(0, fields(['u64', 3n], ['i32', 7]))
    .addLogged(1, 'x').data(1, fields(['u64', 4n], ['f32', 2]))
    .bytes()
  const { reader, rows, error } = await collect(log)
  t.equal(error, undefined)
  t.same(rows.map((r) => `${r.channel.message}.${r.channel.field}=${r.value}`), ['x.v=1', 'y.n=7', 'x.v=2'])
  t.equal(rows[0]?.channel.index, rows[2]?.channel.index, 'same topic and field keep one channel across subscriptions')
  t.match(reader.stats, { dropouts: 1, dropoutMs: 120, logMessages: 1, messagesRead: 10 })
})

t.test('appended data: a message cut before an appended offset is allowed, reading resumes there', async (t) => {
  const b = new UlogBuilder().flagBits([0n]).format('x:uint64_t timestamp;float v;').addLogged(0, 'x')
    .data(0, fields(['u64', 1n], ['f32', 1]))
  const cut = b.length
  b.raw(Uint8Array.of(14, 0, 0x44, 0, 0, 9)) // the start of a D message, cut short by the crash
  const appendedAt = b.length
  b.data(0, fields(['u64', 2n], ['f32', 2]))
  const bytes = b.bytes()
  new DataView(bytes.buffer).setBigUint64(16 + 3 + 16, BigInt(appendedAt), true)
  const { reader, rows, error } = await collect(bytes)
  t.equal(error, undefined)
  t.same(reader.header.segments.slice(1), [[appendedAt, bytes.length]])
  t.equal(reader.header.segments[0]?.[1], appendedAt)
  t.ok(cut < appendedAt)
  t.same(rows.map((r) => r.value), [1, 2])
})

t.test('reads from any ByteSource through small windows', async (t) => {
  const bytes = richLog().addLogged(0, 'demo').data(0, demoBody(1n, 0n, 0n)).data(0, demoBody(2n, 0n, 0n)).bytes()
  const { rows } = await collect(bytesSource(bytes, 'tiny.ulg'), { windowSize: 7 })
  t.equal(rows.length, 34)
})
