import t from 'tap'
import { IsoTpReassembler } from '../../../decoders/obd/isotp.js'
import { negativeResponse } from '../../../decoders/obd/negative-response.js'
import { MAX_PID_FIELDS, SERVICE01_PIDS } from '../../../decoders/obd/pids.js'
import { decodeService01Response } from '../../../decoders/obd/service01.js'
import { calibrationIdsFromService09, cvnsFromService09, parseService09Response, vinFromService09 } from '../../../decoders/obd/service09.js'
import { SeededRandom } from '../../../sim/prng.js'
import { hex } from './bytes.js'
import { mutate, onlyTypedErrors } from './fuzz-helpers.js'

const ITERATIONS = 4000

function randomBytes (rng: SeededRandom, maxLength: number): Uint8Array {
  return Uint8Array.from({ length: rng.int(0, maxLength) }, () => rng.int(0, 255))
}

const SEEDS = [
  '41 0C 1A F8 0D 40', '41 04 FF 05 7B 0C 1A F8 0D 40 11 33 42 35 D6', '41 01 83 07 65 04', '41 00 BE 1F A8 13',
  '49 02 01 31 44 34 47 50 30 30 52 35 35 42 31 32 33 34 35 36', '49 06 02 17 91 BC 82 00 00 0A FF', '7F 01 12'
].map(hex)

const PARSERS: Array<[string, (m: Uint8Array) => unknown]> = [
  ['decodeService01Response', decodeService01Response],
  ['parseService09Response', parseService09Response],
  ['vinFromService09', vinFromService09],
  ['calibrationIdsFromService09', calibrationIdsFromService09],
  ['cvnsFromService09', cvnsFromService09],
  ['negativeResponse', negativeResponse]
]

t.test('random and mutated messages through every OBD parser: typed errors only', async (t) => {
  const rng = new SeededRandom(0x0bd2)
  const started = Date.now()
  let parsed = 0
  let refused = 0
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 2 === 0 ? randomBytes(rng, 40) : mutate(rng, SEEDS[i % SEEDS.length] as Uint8Array)
    // give random input a plausible first byte half the time, so it gets past the SID check
    if (i % 4 === 0 && input.length > 0) input[0] = rng.chance(0.5) ? 0x41 : 0x49
    for (const [name, parse] of PARSERS) {
      if (onlyTypedErrors(t.fail.bind(t), name, input, () => parse(input))) parsed++
      else refused++
    }
  }
  t.ok(parsed > ITERATIONS / 4, `${parsed} inputs parsed`)
  t.ok(refused > ITERATIONS / 4, `${refused} refused with a DiagnosticError`)
  t.ok(Date.now() - started < 20_000, 'no input makes a parser hang')
})

t.test('every PID decode takes any bytes of its length and yields numbers or NaN', async (t) => {
  const rng = new SeededRandom(7)
  const out = new Float64Array(MAX_PID_FIELDS)
  let bad = 0
  for (let i = 0; i < ITERATIONS; i++) {
    for (const def of SERVICE01_PIDS) {
      const data = Uint8Array.from({ length: def.bytes }, () => rng.int(0, 255))
      def.decode(data, out, 0)
      for (let f = 0; f < def.fields.length; f++) if ((out[f] as number) === Infinity || (out[f] as number) === -Infinity) bad++
    }
  }
  t.equal(bad, 0)
})

t.test('random and mutated frame streams never throw out of the ISO-TP reassembler and hold bounded memory', async (t) => {
  const rng = new SeededRandom(15765)
  const errors = new Set<string>()
  let messages = 0
  const r = new IsoTpReassembler({
    message: (m) => { messages++; t.ok(m.length <= 300, 'no message beyond maxLength') },
    error: (e) => { errors.add(e.code) }
  }, { maxLength: 300 })
  const frames = ['10 14 49 02 01 31 44 34', '21 47 50 30 30 52 35 35', '22 42 31 32 33 34 35 36', '03 41 0D 40 AA AA AA AA'].map(hex)
  let threw = 0
  for (let i = 0; i < ITERATIONS * 5; i++) {
    const frame = rng.chance(0.5) ? randomBytes(rng, 12) : rng.chance(0.5) ? (frames[i % frames.length] as Uint8Array) : mutate(rng, frames[rng.int(0, 3)] as Uint8Array)
    try {
      r.push(frame, i * 10_000)
    } catch {
      threw++
    }
  }
  t.equal(threw, 0, 'errors go to the error handler, never thrown')
  t.ok(messages > 0, `${messages} messages reassembled among the noise`)
  t.ok(errors.has('PITWALL_ERR_ISOTP_SEQUENCE') && errors.has('PITWALL_ERR_ISOTP_LENGTH'), [...errors].join(', '))
})
