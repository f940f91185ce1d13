import t from 'tap'
import { decodeMessage, decodeRaw, decodeSignal, encodeMessage, encodeRaw, encodeSignal } from '../../../decoders/can/codec.js'
import { parseDbc } from '../../../decoders/can/dbc-parse.js'
import type { CanSignal } from '../../../decoders/can/model.js'

function signal (fields: Partial<CanSignal> & Pick<CanSignal, 'startBit' | 'length' | 'byteOrder'>): CanSignal {
  return {
    name: 'S',
    signed: false,
    valueType: 'integer',
    factor: 1,
    offset: 0,
    minimum: 0,
    maximum: 0,
    unit: '',
    receivers: [],
    isMultiplexer: false,
    attributes: {},
    ...fields
  }
}

function bytes (...values: number[]): Uint8Array {
  const data = new Uint8Array(8)
  data.set(values)
  return data
}

t.test('Intel unsigned signal across a byte boundary', async (t) => {
  // SG_ S : 4|12@1+  raw 0x5AB
  //   byte 0: bits 7..4 = raw bits 3..0 = 0xB  -> 0xB0
  //   byte 1: bits 7..0 = raw bits 11..4 = 0x5A -> 0x5A
  const s = signal({ startBit: 4, length: 12, byteOrder: 'little_endian' })
  const data = bytes(0xb0, 0x5a)
  t.equal(decodeRaw(s, data), 0x5ab)
  const out = new Uint8Array(8)
  encodeRaw(s, out, 0x5ab)
  t.same(out, data)
})

t.test('Motorola unsigned signals follow the sawtooth', async (t) => {
  // SG_ S : 7|16@0+  raw 0x1234: MSB is byte 0 bit 7, so plain big-endian bytes 0..1
  const word = signal({ startBit: 7, length: 16, byteOrder: 'big_endian' })
  t.equal(decodeRaw(word, bytes(0x12, 0x34)), 0x1234)

  // SG_ S : 3|12@0+  raw 0xABC
  //   byte 0: bits 3..0 = raw bits 11..8 = 0xA -> 0x0A
  //   byte 1: bits 7..0 = raw bits 7..0 = 0xBC -> 0xBC
  const nibble = signal({ startBit: 3, length: 12, byteOrder: 'big_endian' })
  t.equal(decodeRaw(nibble, bytes(0x0a, 0xbc)), 0xabc)

  // SG_ S : 12|10@0+  raw 0b10110_01110 = 718
  //   byte 1: bits 4..0 = raw bits 9..5 = 0b10110 -> 0x16
  //   byte 2: bits 7..3 = raw bits 4..0 = 0b01110 -> 0x70
  const odd = signal({ startBit: 12, length: 10, byteOrder: 'big_endian' })
  const data = bytes(0x00, 0x16, 0x70)
  t.equal(decodeRaw(odd, data), 718)
  const out = new Uint8Array(8).fill(0xff)
  encodeRaw(odd, out, 718)
  // only the signal's 10 bits change; the rest stay 1
  t.same(out, bytes(0xff, 0xe0 | 0x16, 0x70 | 0x07, 0xff, 0xff, 0xff, 0xff, 0xff))
})

t.test('signed signals are two\'s complement', async (t) => {
  // SG_ S : 8|16@1- (0.1,0)  -123.4 -> raw -1234 = 0xFB2E (16-bit)
  //   byte 1 = 0x2E (low byte), byte 2 = 0xFB (high byte)
  const intel = signal({ startBit: 8, length: 16, byteOrder: 'little_endian', signed: true, factor: 0.1 })
  const data = bytes(0x00, 0x2e, 0xfb)
  t.equal(decodeRaw(intel, data), -1234)
  t.ok(Math.abs(decodeSignal(intel, data) - -123.4) < 1e-9)
  const out = new Uint8Array(8)
  encodeSignal(intel, out, -123.4)
  t.same(out, data)

  // SG_ S : 23|12@0- (0.01,0)  -1.00 -> raw -100 = 0xF9C (12-bit)
  //   byte 2: bits 7..0 = raw bits 11..4 = 0xF9
  //   byte 3: bits 7..4 = raw bits 3..0 = 0xC -> 0xC0
  const motorola = signal({ startBit: 23, length: 12, byteOrder: 'big_endian', signed: true, factor: 0.01 })
  const mdata = bytes(0, 0, 0xf9, 0xc0)
  t.equal(decodeRaw(motorola, mdata), -100)
  const mout = new Uint8Array(8)
  encodeSignal(motorola, mout, -1)
  t.same(mout, mdata)
})

t.test('float32 and double signals are IEEE 754', async (t) => {
  // SIG_VALTYPE_ 1: SG_ S : 0|32@1-  1.5f = 0x3FC00000, little-endian bytes 00 00 C0 3F
  const f32 = signal({ startBit: 0, length: 32, byteOrder: 'little_endian', valueType: 'float32' })
  t.equal(decodeRaw(f32, bytes(0x00, 0x00, 0xc0, 0x3f)), 1.5)
  // SIG_VALTYPE_ 2: SG_ S : 7|64@0-  -2.25 = 0xC002000000000000, big-endian bytes
  const f64 = signal({ startBit: 7, length: 64, byteOrder: 'big_endian', valueType: 'float64', signed: true })
  const data = bytes(0xc0, 0x02)
  t.equal(decodeRaw(f64, data), -2.25)
  const out = new Uint8Array(8)
  encodeRaw(f64, out, -2.25)
  t.same(out, data)
})

t.test('encode clamps to [min|max] and rounds to the nearest raw step', async (t) => {
  // SG_ S : 0|8@1+ (0.5,-40) [-40|87.5]
  const s = signal({ startBit: 0, length: 8, byteOrder: 'little_endian', factor: 0.5, offset: -40, minimum: -40, maximum: 87.5 })
  const out = new Uint8Array(1)
  encodeSignal(s, out, 21.3) // (21.3 + 40) / 0.5 = 122.6 -> 123
  t.equal(out[0], 123)
  encodeSignal(s, out, 500)
  t.equal(out[0], 255)
  encodeSignal(s, out, -100)
  t.equal(out[0], 0)
  // [0|0] means no range: only the raw width limits
  const open = signal({ startBit: 0, length: 8, byteOrder: 'little_endian', signed: true })
  encodeSignal(open, out, 1000)
  t.equal(out[0], 0x7f)
})

t.test('signals past the payload are refused', async (t) => {
  const s = signal({ startBit: 60, length: 8, byteOrder: 'little_endian' })
  t.throws(() => decodeRaw(s, new Uint8Array(8)), /signal S \(start bit 60, 8 bits\) does not fit in 8 bytes/)
  // the same layout is fine in a CAN FD payload: bits 60..67 = byte 7 high nibble, byte 8 low nibble
  const fd = new Uint8Array(12)
  fd[7] = 0xa0
  fd[8] = 0x05
  t.equal(decodeRaw(s, fd), 0x5a)
  // Motorola 7|16 in a 1-byte frame runs past its end
  t.throws(() => decodeRaw(signal({ startBit: 7, length: 16, byteOrder: 'big_endian' }), new Uint8Array(1)), /does not fit in 1 bytes/)
})

const MUX_DBC = `VERSION ""
BU_: BMS
BO_ 929 BMS_CellStats: 8 BMS
 SG_ Page M : 0|2@1+ (1,0) [0|3] "" Vector__XXX
 SG_ CellVoltageMax m0 : 8|16@1+ (0.001,0) [0|65.535] "V" Vector__XXX
 SG_ CellTempMax m1 : 8|8@1+ (1,-40) [-40|215] "degC" Vector__XXX
 SG_ Counter : 60|4@1+ (1,0) [0|15] "" Vector__XXX
`

t.test('messages encode and decode only the multiplexed signals of the active page', async (t) => {
  const [message] = parseDbc(MUX_DBC).messages
  if (message === undefined) throw new Error('no message')
  const page0 = encodeMessage(message, { Page: 0, CellVoltageMax: 4.105, CellTempMax: 99, Counter: 3 })
  // Page 0: byte 0 = 0, bytes 1..2 = 4105 = 0x1009 little-endian, byte 7 bits 7..4 = 3
  t.same(page0, Uint8Array.of(0x00, 0x09, 0x10, 0, 0, 0, 0, 0x30))
  t.same(decodeMessage(message, page0), { Page: 0, CellVoltageMax: 4.105, Counter: 3 })
  const page1 = encodeMessage(message, { Page: 1, CellTempMax: 31, Counter: 4 })
  t.same(decodeMessage(message, page1), { Page: 1, CellTempMax: 31, Counter: 4 })
  t.throws(() => encodeMessage(message, { Page: 0, Counter: 1 }), /no value for signal CellVoltageMax/)
})

t.test('every signal layout round-trips raw values', async (t) => {
  // A small deterministic generator (no Math.random: failures must reproduce).
  let state = 0x2545f491
  const rand = (): number => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
  const failures: string[] = []
  let checked = 0
  for (const byteOrder of ['little_endian', 'big_endian'] as const) {
    for (const signed of [false, true]) {
      for (let length = 1; length <= 64; length++) {
        for (let trial = 0; trial < 8; trial++) {
          const bytesLong = 8 + Math.floor(rand() * 3) * 28 // 8, 36 or 64 bytes (CAN FD)
          const first = Math.floor(rand() * (bytesLong * 8 - length + 1))
          // first is the lowest DBC position (Intel) or big-endian linear MSB (Motorola)
          const startBit = byteOrder === 'little_endian' ? first : (first >> 3) * 8 + 7 - (first & 7)
          const s = signal({ startBit, length, byteOrder, signed })
          const bits = Math.min(length, 53)
          let raw = Math.floor(rand() * 2 ** bits)
          if (signed) raw -= 2 ** (bits - 1)
          const data = new Uint8Array(bytesLong).fill(trial % 2 === 0 ? 0 : 0xff)
          encodeRaw(s, data, raw)
          const back = decodeRaw(s, data)
          if (back !== raw) failures.push(`${byteOrder} ${signed ? 'signed' : 'unsigned'} ${length}@${startBit}: ${raw} -> ${back}`)
          checked++
        }
      }
    }
  }
  t.same(failures, [], `${checked} layouts`)
})
