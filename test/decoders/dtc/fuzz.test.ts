import t from 'tap'
import { dtcStatusByte, dtcStatusFlags } from '../../../decoders/dtc/dtc-status.js'
import { parseDtcText, parseUdsDtcText } from '../../../decoders/dtc/j2012.js'
import { parseObdDtcResponse } from '../../../decoders/dtc/obd-dtc-list.js'
import { parseReadDtcResponse } from '../../../decoders/dtc/uds-read-dtc.js'
import { SeededRandom } from '../../../sim/prng.js'
import { hex } from '../obd/bytes.js'
import { mutate, onlyTypedErrors } from '../obd/fuzz-helpers.js'

const ITERATIONS = 4000

const SEEDS = [
  '43 02 01 43 01 96', '47 00', '4A 01 C1 00', '59 01 FF 01 00 02', '59 02 FF 03 01 1A 2F C1 00 00 08',
  '59 04 03 01 1A 2F 01 02 F4 0D 40', '59 08 FF 20 10 03 01 1A 09', '59 03 03 01 1A 01', '7F 19 31'
].map(hex)

t.test('random and mutated DTC responses: typed errors only', async (t) => {
  const rng = new SeededRandom(0xd7c)
  const started = Date.now()
  let parsed = 0
  let refused = 0
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 2 === 0
      ? Uint8Array.from({ length: rng.int(0, 30) }, () => rng.int(0, 255))
      : mutate(rng, SEEDS[i % SEEDS.length] as Uint8Array)
    if (i % 4 === 0 && input.length > 1) {
      input[0] = [0x43, 0x47, 0x4a, 0x59][rng.int(0, 3)] as number
      if (input[0] === 0x59) input[1] = [0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0a][rng.int(0, 6)] as number
    }
    for (const [name, parse] of [
      ['parseObdDtcResponse', () => parseObdDtcResponse(input)],
      ['parseObdDtcResponse legacy', () => parseObdDtcResponse(input, { countByte: false })],
      ['parseReadDtcResponse', () => parseReadDtcResponse(input)]
    ] as const) {
      if (onlyTypedErrors(t.fail.bind(t), name, input, parse)) parsed++
      else refused++
    }
  }
  t.ok(parsed > ITERATIONS / 10, `${parsed} parsed`)
  t.ok(refused > ITERATIONS / 10, `${refused} refused`)
  t.ok(Date.now() - started < 20_000, 'no hang')
})

t.test('random and mutated DTC text: a code or a typed error', async (t) => {
  const rng = new SeededRandom(2012)
  const alphabet = 'PCBUXpcbu0123456789ABCDEFGabcdefz- \u00e9'
  const seeds = ['P0301', 'U0100-00', 'C3FFF-FF', 'b1234']
  let parsed = 0
  for (let i = 0; i < ITERATIONS; i++) {
    let text: string
    if (i % 2 === 0) {
      text = Array.from({ length: rng.int(0, 10) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('')
    } else {
      const chars = Array.from(seeds[i % seeds.length] as string)
      chars[rng.int(0, chars.length - 1)] = alphabet[rng.int(0, alphabet.length - 1)] as string
      text = chars.join('')
    }
    if (onlyTypedErrors(t.fail.bind(t), 'parseUdsDtcText', text, () => {
      const code = parseUdsDtcText(text)
      if (code < 0 || code > 0xffffff) throw new Error(`out of range: ${code}`)
    })) parsed++
    onlyTypedErrors(t.fail.bind(t), 'parseDtcText', text, () => parseDtcText(text))
  }
  t.ok(parsed > 100, `${parsed} texts were valid codes`)
  t.equal(dtcStatusByte(dtcStatusFlags(0x1ff)), 0xff, 'bits beyond the status byte are ignored')
})
