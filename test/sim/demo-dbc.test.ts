import t from 'tap'
import { loadDemoDatabase } from '../../sim/demo-ecu.js'

t.test('the demo vehicle DBC covers what the simulator and the gateway exercise', async (t) => {
  const db = loadDemoDatabase()
  t.same(db.warnings, [])
  t.ok(db.messages.length >= 8 && db.messages.length <= 12, `${db.messages.length} messages`)
  const signals = db.messages.flatMap((m) => m.signals)
  t.ok(signals.some((s) => s.byteOrder === 'big_endian'), 'a Motorola signal')
  t.ok(signals.some((s) => s.byteOrder === 'big_endian' && s.signed), 'a signed Motorola signal')
  t.ok(signals.some((s) => s.signed && s.byteOrder === 'little_endian'), 'a signed Intel signal')
  t.ok(signals.some((s) => s.valueType === 'float32'), 'a float32 signal')
  t.ok(db.messages.some((m) => m.signals.some((s) => s.isMultiplexer)), 'a multiplexed message')
  t.ok(db.messages.some((m) => m.extended && m.id === 0x18ff4033), 'a 29-bit extended id')
  t.equal(signals.find((s) => s.name === 'GearLeverPosition')?.choices?.get(3), 'D', 'a VAL_ table')
  for (const m of db.messages) {
    t.ok(m.cycleTimeMs !== undefined && m.cycleTimeMs >= 10 && m.cycleTimeMs <= 1000, `${m.name}: GenMsgCycleTime ${m.cycleTimeMs} ms`)
    t.ok(m.length === 8, `${m.name}: classic CAN, 8 bytes`)
  }
})
