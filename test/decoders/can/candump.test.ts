import t from 'tap'
import { CandumpParseError, parseCandumpLine } from '../../../decoders/can/candump.js'
import { SeededRandom } from '../../../sim/prng.js'

t.test('reads classic, 29-bit, remote, CAN FD and error frames as candump -l writes them', async (t) => {
  t.match(parseCandumpLine('(1700000000.123456) can0 123#DEADBEEF'), {
    timeS: 1700000000.123456, iface: 'can0', id: 0x123, extended: false, fd: false, remote: false, error: false,
    data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef)
  })
  t.match(parseCandumpLine('(1700000000.5) vcan1 18FF4033#0011'), { id: 0x18ff4033, extended: true, data: Uint8Array.of(0x00, 0x11) })
  t.match(parseCandumpLine('(1.000000) can0 123#R'), { remote: true, data: new Uint8Array(0) })
  t.match(parseCandumpLine('(1.000000) can0 123##3' + '11'.repeat(12)), { fd: true, fdFlags: 3, data: new Uint8Array(12).fill(0x11) })
  t.match(parseCandumpLine('(1.000000) can0 20000004#0004000000000000'), { error: true, extended: true, id: 4 })
  t.match(parseCandumpLine('(1.000000) can0 123#DE.AD'), { data: Uint8Array.of(0xde, 0xad) }, 'dots between bytes, as can-utils allows')
  t.equal(parseCandumpLine('   '), undefined)
  t.equal(parseCandumpLine('# comment'), undefined)
})

t.test('says what is wrong with a line that is not a frame', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['can0 123#00', /not a candump -l line/],
    ['(1.0) can0 12#00', /3 hex digits \(11-bit\) or 8 \(29-bit\)/],
    ['(1.0) can0 800#00', /11-bit CAN id 800 is above 7FF/],
    ['(1.0) can0 123#ABC', /not whole hex bytes/],
    ['(1.0) can0 123#' + '00'.repeat(9), /9 data bytes is not a classic CAN length/],
    ['(1.0) can0 123##0' + '00'.repeat(9), /9 data bytes is not a CAN FD length/],
    ['(1.0) can0 123##X00', /expected a hex digit of FD flags/]
  ]
  for (const [line, message] of cases) t.throws(() => parseCandumpLine(line), { name: 'Error', code: 'PITWALL_ERR_CANDUMP', message }, line)
})

t.test('mutated lines parse or raise CandumpParseError, nothing else', async (t) => {
  const rng = new SeededRandom(3)
  const base = '(1700000000.123456) can0 123##1DEADBEEF00112233'
  const alphabet = '0123456789ABCDEFabcdef#.() Rxz\t'
  let parsed = 0
  for (let i = 0; i < 5000; i++) {
    const chars = [...base]
    for (let m = rng.int(1, 5); m > 0; m--) {
      const at = rng.int(0, chars.length - 1)
      const op = rng.int(0, 2)
      if (op === 0) chars.splice(at, 1)
      else if (op === 1) chars.splice(at, 0, alphabet[rng.int(0, alphabet.length - 1)] as string)
      else chars[at] = alphabet[rng.int(0, alphabet.length - 1)] as string
    }
    try {
      if (parseCandumpLine(chars.join('')) !== undefined) parsed++
    } catch (err) {
      if (!(err instanceof CandumpParseError)) throw err
    }
  }
  t.ok(parsed > 0, `${parsed} of 5000 mutated lines still parsed as frames; the rest were refused with a reason`)
})
