import t from 'tap'
import { catalogSignalByName } from '../../../decoders/catalog.js'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { UlogError } from '../../../decoders/ulog/errors.js'
import { openUlog, type UlogReadOptions } from '../../../decoders/ulog/read.js'
import { catalogSamples } from '../../../decoders/ulog/replay.js'
import { collect, fixture, FIXTURE_DIR, fixturesPresent, SMALL } from './helpers.js'
import { handParse, topicByName } from './hand-parse.js'
import { fields, UlogBuilder } from './ulog-builder.js'

const VOLTAGE = catalogSignalByName('Vehicle.LowVoltageBattery.CurrentVoltage')?.id ?? -1
const SPEED = catalogSignalByName('Vehicle.Speed')?.id ?? -1

function batteryLog (): Uint8Array {
  const b = new UlogBuilder().flagBits()
    .format('battery_status:uint64_t timestamp;float voltage_v;float[2] cell_v;char[4] name;uint8_t[4] _padding0;')
    .format('vehicle_gps_position:uint64_t timestamp;int32_t lat;float vel_m_s;')
    .addLogged(0, 'battery_status').addLogged(1, 'battery_status', 1).addLogged(2, 'vehicle_gps_position')
  for (let i = 0; i < 5; i++) {
    b.data(0, fields(['u64', BigInt(100 + i * 10)], ['f32', 12 + i], ['f32', 4], ['f32', 4], ['char', 'main', 4], ['pad', 4]))
    b.data(1, fields(['u64', BigInt(101 + i * 10)], ['f32', 24], ['f32', 3], ['f32', 3], ['char', 'aux', 4], ['pad', 4]))
    b.data(2, fields(['u64', BigInt(95 + i * 10)], ['i32', 1], ['f32', 10]))
  }
  return b.bytes()
}

/** The UlogError openUlog refuses the selection with (or a failure to refuse). */
async function refusal (options: UlogReadOptions): Promise<UlogError> {
  try {
    await openUlog(bytesSource(batteryLog(), 'battery.ulg'), options)
  } catch (err) {
    if (err instanceof UlogError) return err
    throw err
  }
  throw new Error(`selection accepted: ${JSON.stringify(options.select)}`)
}

t.test('selects topics, instances, fields and array elements', async (t) => {
  const pick = async (...specs: string[]): Promise<string[]> =>
    [...new Set((await collect(batteryLog(), { select: { fields: specs } })).rows.map((r) => `${r.channel.message}.${r.channel.field}`))].sort()
  t.same(await pick('battery_status'), ['battery_status#1.cell_v[0]', 'battery_status#1.cell_v[1]', 'battery_status#1.voltage_v', 'battery_status.cell_v[0]', 'battery_status.cell_v[1]', 'battery_status.voltage_v'])
  t.same(await pick('battery_status#1.cell_v'), ['battery_status#1.cell_v[0]', 'battery_status#1.cell_v[1]'])
  t.same(await pick('battery_status.cell_v[1]', 'vehicle_gps_position.lat'), ['battery_status#1.cell_v[1]', 'battery_status.cell_v[1]', 'vehicle_gps_position.lat'])
})

t.test('refuses unknown topics, fields, text fields, catalog names and ambiguous mappings, naming them', async (t) => {
  const expect = (err: UlogError, pattern: RegExp): void => {
    t.equal(err.code, 'PITWALL_ERR_ULOG_SELECTION')
    t.match(err.message, /^battery\.ulg: /)
    t.match(err.message, pattern)
  }
  expect(await refusal({ select: { fields: ['battery_stat.voltage_v'] } }), /unknown topic 'battery_stat'.*battery_status, vehicle_gps_position/)
  expect(await refusal({ select: { fields: ['battery_status.volts'] } }), /unknown field 'volts' of topic 'battery_status'.*voltage_v, cell_v\[0\]/)
  expect(await refusal({ select: { fields: ['battery_status.name'] } }), /'name' of topic 'battery_status' is text/)
  expect(await refusal({ select: { fields: ['battery_status.timestamp'] } }), /timestamp is the sample time/)
  expect(await refusal({ select: { fields: ['battery status'] } }), /not topic, topic.field/)
  expect(await refusal({ select: { map: { 'battery_status.voltage_v': 'Vehicle.Battery.Voltage' } } }), /unknown catalog signal 'Vehicle.Battery.Voltage'/)
  expect(await refusal({ select: { map: { 'battery_status.cell_v': 'Vehicle.LowVoltageBattery.CurrentVoltage' } } }), /is 2 numbers/)
  expect(await refusal({ select: { map: { battery_status: 'Vehicle.LowVoltageBattery.CurrentVoltage' } } }), /maps a whole topic/)
  expect(await refusal({
    select: { map: { 'battery_status.voltage_v': 'Vehicle.Speed', 'vehicle_gps_position.vel_m_s': 'Vehicle.Speed' } }
  }), /both map to Vehicle.Speed/)
})

t.test('a mapping replays as catalog samples: catalog ids, catalog units, time order, one instance', async (t) => {
  const reader = await openUlog(bytesSource(batteryLog()), {
    select: { map: { 'battery_status.voltage_v': 'Vehicle.LowVoltageBattery.CurrentVoltage', 'vehicle_gps_position.vel_m_s': { signal: 'Vehicle.Speed', scale: 3.6 } } }
  })
  const out: Array<[number, number, number]> = []
  for await (const samples of catalogSamples(reader.chunks())) {
    for (let i = 0; i < samples.length; i++) out.push([samples.timeUs[i] as number, samples.signal[i] as number, Math.round((samples.value[i] as number) * 1000) / 1000])
  }
  t.same(out.slice(0, 4), [[95, SPEED, 36], [100, VOLTAGE, 12], [105, SPEED, 36], [110, VOLTAGE, 13]])
  t.equal(out.length, 10, 'instance 1 of battery_status is not mapped (mappings default to instance 0)')
  t.match(reader.channels.find((c) => c.field === 'vel_m_s'), { catalogId: SPEED, catalogName: 'Vehicle.Speed', unit: 'km/h' })
})

if (!fixturesPresent) {
  t.skip(`ULog fixtures not present in ${FIXTURE_DIR}; the default mapping test needs them`, async () => {})
} else {
  t.test('the default PX4 mapping on sample_log_small.ulg feeds battery voltage and GPS speed, time-ordered, with catalog ids', async (t) => {
    const bytes = fixture(SMALL)
    const hand = handParse(bytes)
    const reader = await openUlog(bytesSource(bytes, SMALL), { select: 'default' })
    const bySignal = new Map<number, number[]>()
    let previous = -Infinity
    let backwards = 0
    for await (const samples of catalogSamples(reader.chunks())) {
      for (let i = 0; i < samples.length; i++) {
        const time = samples.timeUs[i] as number
        if (time < previous) backwards++
        previous = time
        const list = bySignal.get(samples.signal[i] as number) ?? []
        list.push(samples.value[i] as number)
        bySignal.set(samples.signal[i] as number, list)
      }
    }
    t.equal(backwards, 0, 'time-ordered')
    t.same([...bySignal.keys()].sort((a, b) => a - b), [SPEED, VOLTAGE].sort((a, b) => a - b), 'only catalog ids')
    t.equal(bySignal.get(VOLTAGE)?.length, topicByName(hand, 'battery_status').count, 'battery 0 only: 21 voltages')
    t.equal(bySignal.get(VOLTAGE)?.[0], 23.348752975463867)
    t.equal(bySignal.get(SPEED)?.length, topicByName(hand, 'vehicle_gps_position').count)
    const firstSpeed = bySignal.get(SPEED)?.[0] ?? NaN
    t.ok(Math.abs(firstSpeed - 0.07600000500679016 * 3.6) < 1e-12, `first GPS speed ${firstSpeed} km/h (0.076 m/s)`)
  })
}
