import t from 'tap'
import { decodeDiagnosticResponse, finalResponse, type DecodedDiagnosticResponse } from '../../decoders/diagnostics/response.js'
import { SeededRandom } from '../../sim/prng.js'
import { ascii, hex } from './obd/bytes.js'
import { mutate } from './obd/fuzz-helpers.js'

const VIN = 'WPW0SIM0000000042'
const decode = (request: string, response: string | Uint8Array, options?: Parameters<typeof decodeDiagnosticResponse>[2]): DecodedDiagnosticResponse =>
  decodeDiagnosticResponse(hex(request), typeof response === 'string' ? hex(response) : response, options)

t.test('UDS DTCs by status mask: J2012 codes, status flags and a line that names them', async (t) => {
  const r = decode('19 02 FF', '59 02 FF 02 17 00 2F 0A 80 00 24')
  t.same(r, {
    ok: true,
    summary: '2 DTCs: P0217 confirmed, P0A80 pending',
    raw: '59 02 FF 02 17 00 2F 0A 80 00 24',
    dtcs: [
      { code: 'P0217', text: 'P0217-00', status: 0x2f, statusFlags: ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear'] },
      { code: 'P0A80', text: 'P0A80-00', status: 0x24, statusFlags: ['pendingDTC', 'testFailedSinceLastClear'] }
    ]
  })
  t.equal(decode('19 02 FF', '59 02 FF 03 01 1A 09').summary, '1 DTC: P0301-1A confirmed', 'a failure type other than 00 is shown')
  t.same(decode('19 02 FF', '59 02 FF').summary, 'no DTCs')
  const many = decode('19 02 FF', Uint8Array.from([0x59, 0x02, 0xff, ...Array.from({ length: 7 }, (_, i) => [0x01, i, 0x00, 0x01]).flat()]))
  t.equal(many.summary, '7 DTCs: P0100 failing, P0101 failing, P0102 failing, P0103 failing, P0104 failing, and 2 more')
  t.equal(many.dtcs?.length, 7)
})

t.test('snapshot: the record\'s OBD DIDs decoded with units; unknown DIDs leave the rest undivided', async (t) => {
  const r = decode('19 04 02 17 00 FF', '59 04 02 17 00 2F 01 03 F4 05 82 F4 0C 1A F8 F4 0D 40')
  t.equal(r.ok, true)
  t.equal(r.summary, 'P0217 confirmed: snapshot record 0x01: Engine coolant temperature 90 degC, Engine speed 1726 rpm, Vehicle speed 64 km/h')
  t.same(r.snapshot?.records[0]?.dids?.map((d) => [d.did, d.values?.[0]?.value, d.values?.[0]?.unit]), [[0xf405, 90, 'degC'], [0xf40c, 1726, 'rpm'], [0xf40d, 64, 'km/h']])
  t.same(r.snapshot?.dtc, { code: 'P0217', text: 'P0217-00', status: 0x2f, statusFlags: ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear'] })

  const none = decode('19 04 02 17 00 FF', '59 04 02 17 00 24')
  t.same({ summary: none.summary, records: none.snapshot?.records }, { summary: 'P0217 pending: no snapshot stored', records: [] })

  const maker = decode('19 04 02 17 00 FF', '59 04 02 17 00 2F 01 02 F4 05 82 12 34 AA BB')
  t.same(maker.snapshot?.records, [{ recordNumber: 1, identifierCount: 2, hex: 'F4 05 82 12 34 AA BB', dids: [{ did: 0xf405, hex: '82', name: 'Engine coolant temperature', values: [{ name: 'temperature', unit: 'degC', value: 90 }] }] }])
  t.match(maker.note, /DID 0x1234 is the vehicle maker's and unknown here/)
  const known = decode('19 04 02 17 00 FF', '59 04 02 17 00 2F 01 02 F4 05 82 12 34 AA BB', { didLengths: new Map([[0x1234, 2]]) })
  t.same(known.snapshot?.records[0]?.dids?.map((d) => d.hex), ['82', 'AA BB'], 'the maker\'s lengths split it')
  t.equal(known.note, undefined)
  const single = decode('19 04 02 17 00 01', '59 04 02 17 00 2F 01 02 F4 05 82 12 34 AA BB')
  t.same(single.snapshot?.records[0]?.dids?.[1], { did: 0x1234, hex: 'AA BB' }, 'one record asked: its last DID runs to the end')
})

t.test('extended data: records split where the maker\'s lengths are known', async (t) => {
  const r = decode('19 06 02 17 00 FF', '59 06 02 17 00 2F 01 03 02 00 10', { extendedDataLengths: new Map([[0x01, 1], [0x02, 2]]) })
  t.same(r.extendedData?.records, [{ recordNumber: 1, hex: '03' }, { recordNumber: 2, hex: '00 10' }])
  t.equal(r.summary, 'P0217 confirmed: extended data record 0x01: 03; extended data record 0x02: 00 10')
  const unknown = decode('19 06 02 17 00 FF', '59 06 02 17 00 2F 01 03 02 00 10')
  t.same(unknown.extendedData?.records, [{ recordNumber: 1, hex: '03 02 00 10' }])
  t.match(unknown.note, /record 0x01: its length is the vehicle maker's/)
})

t.test('data identifiers: standard ones named and decoded, the maker\'s split by the lengths given', async (t) => {
  const vin = hex(`62 F1 90 ${Array.from(ascii(VIN), (c) => c.toString(16)).join(' ')} F4 0D 40`)
  const r = decodeDiagnosticResponse(hex('22 F1 90 F4 0D'), vin)
  t.same(r.dids, [
    { did: 0xf190, hex: Array.from(ascii(VIN), (c) => c.toString(16).toUpperCase()).join(' '), name: 'VIN', text: VIN },
    { did: 0xf40d, hex: '40', name: 'Vehicle speed', values: [{ name: 'speed', unit: 'km/h', value: 64 }] }
  ])
  t.equal(r.summary, `VIN ${VIN}, Vehicle speed 64 km/h`)

  t.same(decode('22 12 34', '62 12 34 01 02 03').dids, [{ did: 0x1234, hex: '01 02 03' }], 'one DID: its data is the rest')
  const undivided = decode('22 12 34 56 78', '62 12 34 01 02 56 78 03')
  t.same(undivided.dids, [{ did: 0x1234, hex: '01 02 56 78 03' }])
  t.match(undivided.note, /DID 0x1234 is the vehicle maker's and unknown here, so its data and any of 0x5678 after it are left undivided/)
  const split = decode('22 12 34 56 78', '62 12 34 01 02 56 78 03', { didLengths: new Map([[0x1234, 2], [0x5678, 1]]) })
  t.same(split.dids?.map((d) => [d.did, d.hex]), [[0x1234, '01 02'], [0x5678, '03']])
  const skipped = decode('22 F1 90 F4 0D', '62 F4 0D 40')
  t.same({ dids: skipped.dids?.length, note: skipped.note }, { dids: 1, note: 'the ECU left out 0xF190, which it does not support' })
  t.match(decode('22 F4 0D', '62 F4 05 40').error, /DID 0xF405 at byte 1, which the request did not ask for/)
  t.match(decode('22 F4 0C', '62 F4 0C 1A').error, /DID 0xF40C needs 2 data bytes, 1 left/)
})

t.test('OBD-II PIDs, DTC lists, vehicle information and clears', async (t) => {
  const pids = decode('01 05 0C 5B', '41 05 82 0C 1A F8')
  t.equal(pids.summary, 'Engine coolant temperature 90 degC, Engine speed 1726 rpm')
  t.same(pids.pids?.[1], { pid: 0x0c, name: 'Engine speed', hex: '1A F8', values: [{ name: 'speed', unit: 'rpm', value: 1726 }] })
  t.equal(pids.note, 'the ECU left out PIDs 0x5B, which it does not support')
  t.equal(decode('01 00', '41 00 18 18 00 01').summary, 'PIDs supported: 0x04, 0x05, 0x0C, 0x0D, 0x20')
  t.match(decode('01 05', '41 05 82 0C 1A F8').error, /PID 0x0C, which the request did not ask for/)

  t.same(decode('03', '43 02 01 43 01 96'), { ok: true, summary: '2 stored DTCs: P0143, P0196', raw: '43 02 01 43 01 96', dtcs: [{ code: 'P0143', text: 'P0143' }, { code: 'P0196', text: 'P0196' }] })
  t.equal(decode('07', '47 00').summary, 'no pending DTCs')

  const vin = decodeDiagnosticResponse(hex('09 02'), Uint8Array.of(0x49, 0x02, 0x01, ...ascii(VIN)))
  t.same({ summary: vin.summary, vin: vin.vehicleInfo?.vin }, { summary: `VIN ${VIN}`, vin: VIN })
  t.same(decode('09 06', '49 06 02 17 91 BC 82 00 00 0A FF').vehicleInfo?.cvns, ['1791BC82', '00000AFF'])
  t.same(decode('09 00', '49 00 54 00 00 00').vehicleInfo?.supported, [0x02, 0x04, 0x06])
  t.match(decode('09 02', '49 04 01 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41').error, /InfoType 0x04, the request asked 0x02/)

  t.same(decode('14 FF FF FF', '54'), { ok: true, summary: 'DTCs cleared', raw: '54', cleared: true })
  t.same(decode('04', '44').cleared, true)
  t.match(decode('14 FF FF FF', '54 00').error, /single byte 0x54, got 2 bytes/)
  t.same(decode('3E 00', '7E 00'), { ok: true, summary: 'positive answer to UDS TesterPresent, not decoded', raw: '7E 00', note: 'Pitwall does not decode UDS TesterPresent answers; raw holds the bytes' })
})

t.test('negative responses: the NRC by name and in plain words', async (t) => {
  t.same(decode('14 FF FF FF', '7F 14 22'), {
    ok: false,
    summary: 'UDS ClearDiagnosticInformation refused with NRC 0x22: conditions not correct: the ECU cannot do this now (e.g. engine running, vehicle moving)',
    raw: '7F 14 22',
    negative: { service: 0x14, nrc: 0x22, name: 'conditionsNotCorrect', text: 'conditions not correct: the ECU cannot do this now (e.g. engine running, vehicle moving)' }
  })
  for (const nrc of [0x10, 0x11, 0x12, 0x13, 0x14, 0x21, 0x22, 0x24, 0x31, 0x33, 0x35, 0x36, 0x37, 0x70, 0x71, 0x72, 0x73, 0x78, 0x7e, 0x7f]) {
    const negative = decodeDiagnosticResponse(hex('22 F1 90'), Uint8Array.of(0x7f, 0x22, nrc)).negative
    // each common code has its own sentence: a name, a colon, then what it means for the engineer
    t.match(negative?.text, /^[a-z/ -]+: \S.{20,}$/, `NRC 0x${nrc.toString(16)}: ${negative?.text ?? 'none'}`)
  }
  t.equal(decode('22 F1 90', '7F 22 88').negative?.text, 'vehicle speed too high', 'other ISO codes are spelled from their name')
  t.match(decode('22 F1 90', '7F 22 F3').negative?.text, /^manufacturer-specific refusal 0xF3/)
  t.match(decode('14 FF FF FF', '7F 14 78').summary, /still working on it .* sent no final answer/)
  t.match(decode('19 02 FF', '7F 22 31').error, /refuses service 0x22, the request was UDS ReadDTCInformation/)
  t.match(decode('19 02 FF', '7F 19').error, /a negative response is 3 bytes \(7F, service, NRC\), got 2/)
})

t.test('answers that do not answer the request say why', async (t) => {
  t.match(decode('19 02 FF', '62 F1 90 00').error, /starts with 0x62, not 0x59, the positive response to UDS ReadDTCInformation/)
  t.match(decode('19 02 FF', '59 0A FF').error, /report type 0x0A, the request asked 0x02/)
  t.match(decode('19 04 02 17 00 FF', '59 04 03 01 00 2F').error, /the answer is for P0301-00, the request asked P0217-00/)
  t.match(decode('19 02 FF', '59 02 FF 02 17').error, /2 bytes left after 0 records/)
  t.match(decode('19 02 FF', '').error, /the answer is empty/)
  t.equal(decode('19 02 FF', '').summary, 'unreadable answer: the answer is empty')
  t.equal(decode('19 14', '59 14 02 17 00 05').note, 'Pitwall does not decode reportDTCFaultDetectionCounter answers; raw holds the bytes', 'a report Pitwall does not read is kept, not refused')
})

t.test('finalResponse skips "response pending" and takes the answer after it', async (t) => {
  t.same(finalResponse([hex('7F 14 78'), hex('7F 14 78'), hex('54')]), hex('54'))
  t.same(finalResponse([hex('7F 14 22')]), hex('7F 14 22'), 'a refusal is an answer')
  t.equal(finalResponse([hex('7F 14 78')]), undefined, 'only pending: no answer came')
  t.equal(finalResponse([]), undefined)
})

/** Valid (request, answer) pairs, and the shorter lengths of each answer that are themselves whole answers. */
const VECTORS: Array<[string, string, number[]]> = [
  ['19 02 FF', '59 02 FF 02 17 00 2F 0A 80 00 24', [3, 7]],
  ['19 04 02 17 00 FF', '59 04 02 17 00 2F 01 02 F4 05 82 F4 0D 3B', [6]],
  ['19 06 02 17 00 FF', '59 06 02 17 00 2F 01 05', [6, 7]],
  ['22 F1 90 F4 0D', `62 F1 90 ${Array.from(ascii(VIN), (c) => c.toString(16)).join(' ')} F4 0D 3B`, [20]],
  ['01 05 0C', '41 05 82 0C 1A F8', [3]],
  ['03', '43 02 01 43 01 96', []],
  ['09 02', `49 02 01 ${Array.from(ascii(VIN), (c) => c.toString(16)).join(' ')}`, []],
  ['14 FF FF FF', '54', []],
  ['19 02 FF', '7F 19 22', []]
]

/** A decode result must survive JSON as it is (stored as jsonb, returned by the API): no NaN, undefined, typed arrays or classes. */
function plainJson (value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(plainJson)
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false
  return Object.values(value).every(plainJson)
}

t.test('every truncation of a valid answer is refused, except the shorter whole answers', async (t) => {
  for (const [request, response, wholeAt] of VECTORS) {
    const bytes = hex(response)
    t.equal(decode(request, bytes).ok, !response.startsWith('7F'), `${response}: whole`)
    const okAt: number[] = []
    for (let n = 0; n < bytes.length; n++) {
      const r = decode(request, bytes.subarray(0, n))
      if (r.ok) okAt.push(n)
      else if (r.negative === undefined && (r.error === undefined || r.error === '')) t.fail(`${response} cut to ${n}: not ok, but no error says why`)
      if (!plainJson(r)) t.fail(`${response} cut to ${n}: not plain JSON`)
    }
    t.same(okAt, wholeAt, `${request} → ${response}: decodes whole only at ${wholeAt.join(', ') || 'full length'}`)
  }
})

t.test('random and mutated answers never throw and always give a plain JSON record', async (t) => {
  const rng = new SeededRandom(0xd1a9)
  let ok = 0
  let refused = 0
  for (let i = 0; i < 6000; i++) {
    const [request, response] = VECTORS[i % VECTORS.length] as [string, string, number[]]
    const answer = i % 3 === 0
      ? Uint8Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 255))
      : mutate(rng, hex(response))
    // a third of the requests are garbage too: a decoder reading old stored commands meets those
    const asked = i % 3 === 1 ? Uint8Array.from({ length: rng.int(0, 8) }, () => rng.int(0, 255)) : hex(request)
    let r: DecodedDiagnosticResponse
    try {
      r = decodeDiagnosticResponse(asked, answer)
    } catch (err) {
      t.fail(`threw ${String(err)} for request ${Array.from(asked).join(',')} answer ${Array.from(answer).join(',')}`)
      continue
    }
    if (!plainJson(r) || typeof r.summary !== 'string' || r.summary === '') t.fail(`not a plain record: ${JSON.stringify(r)}`)
    if (r.ok) ok++
    else refused++
  }
  t.ok(ok > 100 && refused > 1000, `${ok} decoded, ${refused} refused`)
})

t.test('lengths a caller got wrong (negative, fractional) count as unknown rather than walking backwards', async (t) => {
  const r = decode('22 12 34 56 78', '62 12 34 01 02 56 78 03', { didLengths: new Map([[0x1234, -2], [0x5678, 1]]) })
  t.same(r.dids, [{ did: 0x1234, hex: '01 02 56 78 03' }])
  const e = decode('19 06 02 17 00 FF', '59 06 02 17 00 2F 01 03 02 00 10', { extendedDataLengths: new Map([[0x01, -1]]) })
  t.same(e.extendedData?.records, [{ recordNumber: 1, hex: '03 02 00 10' }])
  t.equal(decode('22 12 34', '62 12 34 01 02', { didLengths: new Map([[0x1234, 0.5]]) }).dids?.[0]?.hex, '01 02')
})
