import t from 'tap'
import type { DiagnosticError } from '../../../decoders/obd/diagnostic-error.js'
import { IsoTpReassembler, type IsoTpOptions } from '../../../decoders/obd/isotp.js'
import { calibrationIdsFromService09, vinFromService09 } from '../../../decoders/obd/service09.js'
import { hex } from './bytes.js'

function reassembler (options?: IsoTpOptions): { r: IsoTpReassembler, messages: Uint8Array[], errors: DiagnosticError[] } {
  const messages: Uint8Array[] = []
  const errors: DiagnosticError[] = []
  const r = new IsoTpReassembler({ message: (m) => messages.push(m), error: (e) => errors.push(e) }, options)
  return { r, messages, errors }
}

// ISO 15765-4 VIN response from ECU 0x7E8: FF_DL 0x014 = 20 bytes (49 02 01 + 17 characters)
const VIN_FRAMES = ['10 14 49 02 01 31 44 34', '21 47 50 30 30 52 35 35', '22 42 31 32 33 34 35 36'].map(hex)

t.test('a single frame is one message; padding after SF_DL is dropped', async (t) => {
  const { r, messages, errors } = reassembler()
  r.push(hex('03 41 0D 40 AA AA AA AA'))
  t.same(messages.map((m) => Array.from(m)), [[0x41, 0x0d, 0x40]])
  t.same(errors, [])
})

t.test('first + consecutive frames reassemble the service 09 VIN', async (t) => {
  const { r, messages, errors } = reassembler()
  for (const f of VIN_FRAMES) r.push(f)
  t.same(errors, [])
  t.equal(messages.length, 1)
  t.equal(vinFromService09(messages[0] as Uint8Array), '1D4GP00R55B123456')
  t.notOk(r.receiving, 'done, nothing held')
})

t.test('sequence numbers wrap from F to 0 across a long message', async (t) => {
  const { r, messages, errors } = reassembler()
  const body = Uint8Array.from({ length: 200 }, (_, i) => i)
  r.push(Uint8Array.of(0x10, 200, ...body.subarray(0, 6)))
  let sn = 1
  for (let i = 6; i < 200; i += 7) {
    const chunk = body.subarray(i, i + 7)
    const frame = new Uint8Array(8).fill(0xaa)
    frame[0] = 0x20 | sn
    frame.set(chunk, 1)
    r.push(frame)
    sn = (sn + 1) & 0x0f
  }
  t.same(errors, [])
  t.same(Array.from(messages[0] ?? []), Array.from(body))
})

t.test('out-of-order and missing consecutive frames drop the message with a sequence error', async (t) => {
  const swapped = reassembler()
  for (const f of [VIN_FRAMES[0], VIN_FRAMES[2], VIN_FRAMES[1]]) swapped.r.push(f as Uint8Array)
  t.equal(swapped.messages.length, 0, 'no corrupted VIN is delivered')
  t.equal(swapped.errors.length, 1)
  t.equal(swapped.errors[0]?.code, 'PITWALL_ERR_ISOTP_SEQUENCE')
  t.match(swapped.errors[0]?.message, /6 of 20 bytes received: consecutive frame 22 .* sequence number 2, expected 1/)
  t.equal(swapped.r.ignoredFrames, 1, 'the late frame 21 belongs to no reception and is ignored (ISO 15765-2 9.8.3)')

  const missing = reassembler()
  const frames = [hex('10 1A 43 0A 01 43 01 96'), hex('21 02 34 02 CD 03 57 0A'), hex('23 24 11 11 11 11 11 11')]
  for (const f of frames) missing.r.push(f)
  t.equal(missing.errors[0]?.code, 'PITWALL_ERR_ISOTP_SEQUENCE')
  t.match(missing.errors[0]?.message, /sequence number 3, expected 2/)

  // the next message after an error still reassembles
  for (const f of VIN_FRAMES) missing.r.push(f)
  t.equal(missing.messages.length, 1)
})

t.test('lengths that are too long, too short or inconsistent are refused', async (t) => {
  const { r, messages, errors } = reassembler({ maxLength: 100 })
  r.push(hex('1F FF 49 02 01 31 44 34'))
  r.push(hex('21 47 50 30 30 52 35 35'))
  r.push(hex('07 41 0D 40'))
  r.push(hex('10 05 49 02 01 31 44 34'))
  r.push(hex('00 41 0D 40 AA AA AA AA'))
  t.equal(messages.length, 0)
  t.same(errors.map((e) => e.code), ['PITWALL_ERR_ISOTP_LENGTH', 'PITWALL_ERR_ISOTP_LENGTH', 'PITWALL_ERR_ISOTP_LENGTH', 'PITWALL_ERR_ISOTP_LENGTH'])
  t.match(errors[0]?.message, /announces 4095 bytes, more than the 100 accepted/)
  t.match(errors[1]?.message, /announces 7 bytes but carries 3/)
  t.match(errors[2]?.message, /announces 5 bytes, which fit a single frame/)
  t.match(errors[3]?.message, /announces 0 bytes/)
  t.equal(r.ignoredFrames, 1, 'the consecutive frame of the refused first frame is ignored, not buffered')

  const short = reassembler()
  short.r.push(VIN_FRAMES[0] as Uint8Array)
  short.r.push(hex('21 47 50'))
  t.equal(short.errors[0]?.code, 'PITWALL_ERR_ISOTP_LENGTH')
  t.match(short.errors[0]?.message, /carries 2 bytes; 14 are still missing/)
})

t.test('a reception cut short by a new message or by N_Cr is reported, and the new message still arrives', async (t) => {
  const { r, messages, errors } = reassembler()
  r.push(VIN_FRAMES[0] as Uint8Array, 0)
  r.push(hex('03 41 0D 40'), 10_000)
  t.equal(errors[0]?.code, 'PITWALL_ERR_ISOTP_INCOMPLETE')
  t.match(errors[0]?.message, /6 of 20 bytes received: a single frame arrived/)
  t.same(messages.map((m) => Array.from(m)), [[0x41, 0x0d, 0x40]])

  r.push(VIN_FRAMES[0] as Uint8Array, 1_000_000)
  r.push(VIN_FRAMES[1] as Uint8Array, 2_500_000)
  t.equal(errors[1]?.code, 'PITWALL_ERR_ISOTP_INCOMPLETE')
  t.match(errors[1]?.message, /no consecutive frame for 1500 ms \(N_Cr 1000 ms\)/)
  t.equal(messages.length, 1)
})

t.test('flow control and undefined frame types are refused by name', async (t) => {
  const { r, errors } = reassembler()
  r.push(hex('30 00 00 00 00 00 00 00'))
  r.push(hex('F0 00'))
  r.push(new Uint8Array(0))
  t.same(errors.map((e) => e.code), ['PITWALL_ERR_ISOTP_FRAME', 'PITWALL_ERR_ISOTP_FRAME', 'PITWALL_ERR_ISOTP_FRAME'])
  t.match(errors[0]?.message, /flow control frame .* comes from the tester/)
})

t.test('CAN FD escapes: SF_DL in byte 1, 32-bit FF_DL', async (t) => {
  const { r, messages, errors } = reassembler({ maxLength: 10_000 })
  const sf = new Uint8Array(64)
  sf[0] = 0x00
  sf[1] = 62
  sf.fill(0x11, 2)
  r.push(sf)
  t.equal(messages[0]?.length, 62)
  // FF_DL 0 escapes to bytes 2..5: 0000000A = 10 bytes, 2 of them in the first frame
  r.push(hex('10 00 00 00 00 0A 49 04'))
  r.push(hex('21 01 41 42 43 44 45 46'))
  t.equal(messages.length, 1, 'one byte still missing')
  r.push(hex('22 47 AA AA AA AA AA AA'))
  t.same(errors, [])
  t.same(Array.from(messages[1] ?? []), [0x49, 0x04, 0x01, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47])
})

t.test('calibration ids arrive multi-frame and lose their 00 padding', async (t) => {
  const { r, messages } = reassembler()
  // 49 04 02 then two 16-byte ids: 35 bytes
  const ids = [...'JMB*36761500', '\0\0\0\0', ...'JMB*47872400', '\0\0\0\0'].join('')
  const body = Uint8Array.of(0x49, 0x04, 0x02, ...Array.from(ids, (c) => c.charCodeAt(0)))
  r.push(Uint8Array.of(0x10, body.length, ...body.subarray(0, 6)))
  for (let i = 6, sn = 1; i < body.length; i += 7, sn++) r.push(Uint8Array.of(0x20 | (sn & 0x0f), ...body.subarray(i, i + 7)))
  t.same(calibrationIdsFromService09(messages[0] as Uint8Array), ['JMB*36761500', 'JMB*47872400'])
})
