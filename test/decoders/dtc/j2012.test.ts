import t from 'tap'
import { diagnosticError } from '../obd/bytes.js'
import { dtcText, parseDtcText, parseUdsDtcText, udsDtcText } from '../../../decoders/dtc/j2012.js'
import { encodeDtc } from '../../../sim/dtc.js'


t.test('SAE J2012 2-byte codes, bit by bit', async (t) => {
  // system bits 15..14, first digit 13..12, then three hex digits
  const cases: Array<[number, string]> = [
    [0x0301, 'P0301'], // 00 00 0011 0000 0001
    [0x4123, 'C0123'], // 01 00 0001 0010 0011
    [0x9234, 'B1234'], // 10 01 0010 0011 0100
    [0xc100, 'U0100'], // 11 00 0001 0000 0000
    [0x2a3f, 'P2A3F'], // 00 10 1010 0011 1111
    [0xffff, 'U3FFF']
  ]
  for (const [code, text] of cases) {
    t.equal(dtcText(code), text, `0x${code.toString(16)} -> ${text}`)
    t.equal(parseDtcText(text), code, `${text} -> 0x${code.toString(16)}`)
  }
  t.equal(parseDtcText('p2a3f'), 0x2a3f, 'lower case as typed into a CLI')
})

t.test('every 2-byte code survives text and back', async (t) => {
  let mismatches = 0
  for (let code = 0; code <= 0xffff; code++) if (parseDtcText(dtcText(code)) !== code) mismatches++
  t.equal(mismatches, 0)
})

t.test("3-byte UDS DTCs are written 'P0301-1A' (J2012 code, failure type byte)", async (t) => {
  t.equal(udsDtcText(0x03011a), 'P0301-1A')
  t.equal(udsDtcText(0xc10000), 'U0100-00')
  t.equal(parseUdsDtcText('P0301-1A'), 0x03011a)
  t.equal(parseUdsDtcText('P0301'), 0x030100, 'no failure type: 00')
  for (const code of [0, 0x03011a, 0x7fff80, 0xffffff, 0x9234ab]) t.equal(parseUdsDtcText(udsDtcText(code)), code)
  for (const text of ['P0301', 'P0128', 'U0100', 'B1A2C']) t.equal(parseUdsDtcText(text), encodeDtc(text), `${text} as the simulator encodes it`)
})

t.test('invalid text names the text and what is wrong', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['P030', /'P030' has 4 characters/],
    ['P03011', /'P03011' has 6 characters/],
    ['X0301', /'X' is not a system letter/],
    ['P4301', /first digit '4' must be 0-3/],
    ['P03G1', /'G' at position 4 is not a hex digit/],
    ['P0301-1', /failure type after '-' must be 2 hex digits, got '1'/],
    ['P0301-ZZ', /got 'ZZ'/],
    ['', /'' has 0 characters/]
  ]
  for (const [text, message] of cases) {
    const err = diagnosticError(() => parseUdsDtcText(text))
    t.equal(err.code, 'PITWALL_ERR_DTC_TEXT', text)
    t.match(err.message, message, text)
  }
  t.equal(diagnosticError(() => dtcText(0x10000)).code, 'PITWALL_ERR_DTC_VALUE')
  t.equal(diagnosticError(() => udsDtcText(-1)).code, 'PITWALL_ERR_DTC_VALUE')
})
