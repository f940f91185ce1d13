import t from 'tap'
import { ULog } from '@foxglove/ulog'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { openUlogFile } from '../../../decoders/ulog/file.js'
import { openFileSource } from '../../../decoders/ulog/file-source.js'
import { gpsBootEpochUs } from '../../../decoders/ulog/gps-time.js'
import { APPENDED, collect, fixture, FIXTURE_DIR, fixturesPresent, rowsOf, SMALL } from './helpers.js'
import { handParse, topicByName } from './hand-parse.js'

if (!fixturesPresent) {
  t.skip(`ULog fixtures (pyulog sample logs) not present in ${FIXTURE_DIR}; copy them there to run these tests`, async () => {})
} else {
  t.test('sample_log_small.ulg: topics, counts, times and values agree with a hand parse', async (t) => {
    const bytes = fixture(SMALL)
    const hand = handParse(bytes)
    const { reader, rows, error } = await collect(bytes)
    t.equal(error, undefined)

    // Facts of the file, checked two ways: literal (read with @foxglove/ulog
    // and pyulog's docs) and against the naive hand parse.
    t.equal(reader.header.formats.size, 82, '82 formats')
    t.equal(hand.formats.size, 82)
    t.equal(hand.topics.size, 72, '72 subscriptions')
    t.equal(reader.header.startUs, 20309082, 'header timestamp')
    t.equal(reader.header.info.get('sys_name'), 'PX4')
    t.equal(reader.header.info.get('ver_hw'), 'CUBEPILOT_CUBEORANGE')
    t.equal(reader.header.info.get('time_ref_utc'), 0, 'time_ref_utc is a zone offset, 0 here')
    t.equal(reader.header.parameters.size, 980)
    t.equal(reader.stats.messagesRead, hand.messages, 'every data-section message read')
    t.equal(reader.stats.messagesRead, 14723)
    t.equal(reader.stats.dataMessages, 14604)
    t.equal(reader.stats.dropouts, 1)
    t.equal(reader.stats.lateSamples, 0, 'no sample is late with the default reorder capacity')

    for (const [topic, multiId, count, firstUs, lastUs] of [
      ['battery_status', 0, 21, 20630667, 26630305],
      ['battery_status', 1, 21, 20630671, 26630309],
      ['vehicle_gps_position', 0, 32, 20471648, 26658637],
      ['sensor_combined', 0, 1298, 20326716, 26822868]
    ] as const) {
      const h = topicByName(hand, topic, multiId)
      t.same([h.count, Number(h.firstUs), Number(h.lastUs)], [count, firstUs, lastUs], `${topic}#${multiId} by hand`)
      const message = multiId > 0 ? `${topic}#${multiId}` : topic
      const times = [...new Set(rows.filter((r) => r.channel.message === message).map((r) => r.t))]
      t.same([times.length, times[0], times.at(-1)], [count, firstUs, lastUs], `${message}: ${count} messages from ${firstUs} to ${lastUs} µs`)
    }

    // A known value: battery 0's first voltage_v, the float at byte 8 of the
    // body (`uint64_t timestamp;float voltage_v;...` in its format).
    t.match(hand.formats.get('battery_status') ?? '', /^uint64_t timestamp;float voltage_v;/)
    const body = topicByName(hand, 'battery_status').firstBody ?? new Uint8Array(12)
    const byHand = new DataView(body.buffer, body.byteOffset).getFloat32(8, true)
    const voltage = rowsOf(rows, 'battery_status', 'voltage_v')
    t.equal(voltage[0]?.value, byHand)
    t.equal(voltage[0]?.value, 23.348752975463867, '23.35 V, a 6S pack')
    t.equal(rowsOf(rows, 'battery_status#1', 'voltage_v')[0]?.value, 49.74492645263672)
    t.equal(rowsOf(rows, 'vehicle_gps_position', 'lat')[0]?.value, 634170622, 'lat in 1e-7 degrees (63.417 N)')

    // Flattening: arrays by element, padding skipped.
    const fields = new Set(reader.channels.filter((c) => c.message === 'battery_status').map((c) => c.field))
    t.ok(fields.has('voltage_cell_v[0]') && fields.has('voltage_cell_v[9]') && !fields.has('voltage_cell_v[10]'))
    t.notOk([...reader.channels].some((c) => c.field.startsWith('_padding') || c.field === 'timestamp'))
    t.equal(reader.channels.find((c) => c.message === 'battery_status' && c.field === 'connected')?.type, 'bool')
  })

  t.test('sample_log_small.ulg: same values as @foxglove/ulog readMessages() for every battery and GPS field', async (t) => {
    const { FileReader } = await import('@foxglove/ulog/node.js')
    const file = new FileReader(FIXTURE_DIR + SMALL)
    t.teardown(async () => { await file.close() })
    const lib = new ULog(file)
    await lib.open()
    const wanted = new Map([...lib.subscriptions].filter(([, s]) => ['battery_status', 'vehicle_gps_position'].includes(s.name)))
    const expected: string[] = []
    for await (const m of lib.readMessages({ msgIds: new Set(wanted.keys()), includeLogs: false })) {
      if (!('value' in m)) continue
      const sub = wanted.get(m.msgId)
      if (sub === undefined) continue
      const message = sub.multiId > 0 ? `${sub.name}#${sub.multiId}` : sub.name
      for (const [field, value] of Object.entries(m.value)) {
        if (field === 'timestamp') continue
        const values = Array.isArray(value) ? value : [value]
        values.forEach((v, i) => {
          if (typeof v === 'string') return
          expected.push(`${m.value.timestamp} ${message}.${Array.isArray(value) ? `${field}[${i}]` : field}=${Number(v)}`)
        })
      }
    }
    const { rows } = await collect(fixture(SMALL), { select: { fields: ['battery_status', 'vehicle_gps_position'] } })
    const got = rows.map((r) => `${r.t} ${r.channel.message}.${r.channel.field}=${r.value}`)
    t.equal(got.length, expected.length)
    t.same(got.sort(), expected.sort(), `${expected.length} samples identical`)
  })

  t.test('samples come out in time order across chunks; file order keeps every topic monotonic', async (t) => {
    for (const order of ['time', 'file'] as const) {
      const { rows, chunkSizes } = await collect(fixture(SMALL), { order, reorderCapacity: 0, chunkSamples: 5000 })
      t.ok(chunkSizes.length > 1, `${order}: ${chunkSizes.length} chunks`)
      t.equal(rows.length, 176619)
      const last = new Map<string, number>()
      let globalBackwards = 0
      let topicBackwards = 0
      rows.forEach((r, i) => {
        if (i > 0 && r.t < (rows[i - 1] as { t: number }).t) globalBackwards++
        const key = `${r.channel.message}.${r.channel.field}`
        if (r.t < (last.get(key) ?? -Infinity)) topicBackwards++
        last.set(key, r.t)
      })
      t.equal(topicBackwards, 0, `${order}: every channel in time order`)
      if (order === 'time') t.equal(globalBackwards, 0, 'time: the whole stream in time order')
      else t.ok(globalBackwards > 0, `file: write order is not time order (${globalBackwards} steps back)`)
    }
  })

  t.test('sample_appended_multiple.ulg: the main data and the three appended blocks are read', async (t) => {
    const bytes = fixture(APPENDED)
    const hand = handParse(bytes)
    const { reader, rows, error } = await collect(bytes)
    t.equal(error, undefined)
    t.same(reader.header.segments, [[49012, 434369], [434369, 451825], [451825, 469281], [469281, 486737]])
    t.equal(reader.stats.messagesRead, hand.messages)
    t.equal(reader.stats.messagesRead, 6928, "6925 before the first appended offset, and one 'M' hardfault dump in each block")
    t.equal(hand.topics.size, 44)
    const attitude = topicByName(hand, 'vehicle_attitude')
    const times = [...new Set(rowsOf(rows, 'vehicle_attitude', 'rollspeed').map((r) => r.t))]
    t.same([times.length, times[0], times.at(-1)], [attitude.count, Number(attitude.firstUs), Number(attitude.lastUs)])
    t.same([attitude.count, attitude.firstUs, attitude.lastUs], [306, 12263164n, 21872804n])
    t.ok(rowsOf(rows, 'actuator_outputs#1', 'output[0]').length === 96, 'second instance of actuator_outputs, labelled #1')
  })

  t.test('the boot epoch from the first GPS fix with UTC time', async (t) => {
    // time_utc_usec 1618986658600345 at timestamp 20471648 (first vehicle_gps_position): boot at 2021-04-21T06:30:38.128697Z.
    t.equal(await gpsBootEpochUs(bytesSource(fixture(SMALL))), 1618986658600345 - 20471648)
    t.equal(await gpsBootEpochUs(bytesSource(fixture(APPENDED))), undefined, 'no GPS data in this log')
    const epoch = 1618986638128697
    const log = await openUlogFile(FIXTURE_DIR + SMALL, { baseTimeUs: epoch, select: { fields: ['battery_status#0.voltage_v'] } })
    const first = await log.chunks().next()
    t.equal(first.value?.samples.timeUs[0], epoch + 20630667, 'baseTimeUs moves samples onto the UTC clock')
    await log.close()
  })

  t.test('reads through bounded windows: no read larger than the window, each byte read about once', async (t) => {
    const bytes = fixture(SMALL)
    const source = bytesSource(bytes, SMALL)
    let largest = 0
    let total = 0
    const counting = { ...source, read: async (offset: number, length: number) => { largest = Math.max(largest, length); total += length; return await source.read(offset, length) } }
    const { reader } = await collect(counting, { windowSize: 16384 })
    t.equal(reader.stats.messagesRead, 14723)
    t.ok(largest <= 16384, `largest read ${largest} bytes`)
    t.ok(total < bytes.length * 1.1, `${total} bytes read for a ${bytes.length}-byte file`)
    const file = await openFileSource(FIXTURE_DIR + SMALL)
    t.equal(file.size(), bytes.length)
    await file.close()
  })
}
