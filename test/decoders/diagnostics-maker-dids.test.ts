/**
 * A model's maker DIDs, as its decoder manifest describes them: the
 * manifest's `dids:` checked with errors naming the field, the answers to
 * 0x22 and freeze frames read field by field with them, and DIDs asked by
 * name or hex text.
 */
import t from 'tap'
import { makerDidTable, resolveDidRefs, type MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { decodeDiagnosticResponse } from '../../decoders/diagnostics/response.js'
import { manifestSpecOf } from '../../decoders/manifest/load.js'
import { hex } from './obd/bytes.js'

const base = { model: 'EV-1', buses: [{ bus: 0, dbc: 'a.dbc' }] }
const dids = (list: unknown[]): MakerDid[] => manifestSpecOf({ ...base, dids: list }, 'ev.yaml').dids ?? []
const refused = (list: unknown[]): string => {
  try {
    dids(list)
  } catch (err) {
    return (err as Error).message
  }
  return 'accepted'
}

const TABLE = dids([
  { did: 0x4001, name: 'cell voltages', fields: [{ name: 'highest', bytes: 2, scale: 0.001, unit: 'V' }, { name: 'lowest', bytes: 2, scale: 0.001, unit: 'V' }, { name: 'lowest cell', bytes: 1 }] },
  { did: '0x4002', name: 'pack temperature', bytes: 1, type: 'signed', unit: 'degC' },
  { did: 0x4003, name: 'contactor', bytes: 1, labels: { 0: 'open', 1: 'closed' } },
  { did: 0x4004, name: 'supplier code', bytes: 8, type: 'ascii' },
  { did: 0x4005, name: 'calibration blob', bytes: 10 }
])
const decode = (request: string, response: string): ReturnType<typeof decodeDiagnosticResponse> =>
  decodeDiagnosticResponse(hex(request), hex(response), { dids: makerDidTable(TABLE) })

t.test('a manifest\'s dids: hex text or numbers, one-field shorthand, types inferred', async (t) => {
  t.same(TABLE.map((d) => [d.did, d.fields.map((f) => `${f.name}:${f.type}:${f.bytes}`)]), [
    [0x4001, ['highest:unsigned:2', 'lowest:unsigned:2', 'lowest cell:unsigned:1']],
    [0x4002, ['pack temperature:signed:1']],
    [0x4003, ['contactor:unsigned:1']],
    [0x4004, ['supplier code:ascii:8']],
    [0x4005, ['calibration blob:hex:10']]
  ])
  t.equal(manifestSpecOf(base, 'ev.yaml').dids, undefined, 'a manifest without dids: has none')
})

t.test('a manifest\'s dids: what cannot be read right is refused, naming the entry', async (t) => {
  t.match(refused([{ did: 0xf190, name: 'vin', bytes: 17 }]), /ev\.yaml: dids\[0\]\.did 0xF190 is a standard DID/)
  t.match(refused([{ did: 0xf40d, name: 'speed', bytes: 1 }]), /0xF40D is a standard DID/)
  t.match(refused([{ did: 1, name: 'a', bytes: 1 }, { did: 1, name: 'b', bytes: 1 }]), /dids\[1\]\.did describes 0x0001 a second time/)
  t.match(refused([{ did: 1, name: 'Pack', bytes: 1 }, { did: 2, name: 'pack', bytes: 1 }]), /dids\[1\]\.name "pack" names a second DID/)
  t.match(refused([{ did: 1, name: 'a' }]), /dids\[0\] needs either bytes .* or fields/)
  t.match(refused([{ did: 1, name: 'a', bytes: 1, fields: [{ name: 'x', bytes: 1 }] }]), /not both/)
  t.match(refused([{ did: 1, name: 'a', bytes: 8, type: 'unsigned' }]), /dids\[0\]\.bytes is 8: an unsigned field is at most 6 bytes/)
  t.match(refused([{ did: 1, name: 'a', bytes: 4, type: 'ascii', scale: 2 }]), /dids\[0\] is ascii: scale, offset and labels are for unsigned or signed fields/)
  t.match(refused([{ did: 1, name: 'a', bytes: 1, scale: 0 }]), /scale is 0/)
  t.match(refused([{ did: 1, name: 'a', fields: [{ name: 'x', bytes: 1 }, { name: 'x', bytes: 1 }] }]), /fields\[1\]\.name "x" is used twice/)
  t.match(refused([{ did: 1, name: 'a', fields: [{ name: 'x', bytes: 4000 }, { name: 'y', bytes: 100 }] }]), /4100 bytes long, more than a 0x22 answer can carry/)
  t.match(refused([{ did: '0x12345', name: 'a', bytes: 1 }]), /dids\[0\]\.did/)
  t.match(refused([{ did: 1, name: 'a', bytes: 1, unknown: true }]), /dids\[0\] has an unknown field "unknown"/)
})

t.test('0x22 answers read with the model\'s DIDs: named, split, scaled, signed, labelled, text and hex', async (t) => {
  const r = decode('22 40 01 40 02 40 03 F1 90 40 04 40 05',
    '62 40 01 10 68 0F A0 2A 40 02 F6 40 03 01 F1 90 57 50 57 30 53 49 4D 30 30 30 30 30 30 30 30 34 32 40 04 50 57 2D 42 4D 53 20 00 40 05 00 01 02 03 04 05 06 07 08 09')
  t.equal(r.ok, true)
  t.match(r.dids, [
    { did: 0x4001, name: 'cell voltages', values: [{ name: 'highest', value: 4.2, unit: 'V' }, { name: 'lowest', value: 4, unit: 'V' }, { name: 'lowest cell', value: 42 }] },
    { did: 0x4002, name: 'pack temperature', values: [{ value: -10, unit: 'degC' }] },
    { did: 0x4003, name: 'contactor', values: [{ value: 1, label: 'closed' }] },
    { did: 0xf190, name: 'VIN', text: 'WPW0SIM0000000042' },
    { did: 0x4004, name: 'supplier code', text: 'PW-BMS' },
    { did: 0x4005, name: 'calibration blob', values: [{ value: null, label: '00010203040506070809' }] }
  ])
  t.equal(r.note, undefined, 'every DID split off: none left undivided')
  t.match(r.summary, /^cell voltages highest 4\.2 V, lowest 4 V, lowest cell 42, pack temperature -10 degC, contactor closed, VIN WPW0SIM0000000042, supplier code PW-BMS/)
})

t.test('an answer whose length differs from the manifest\'s is refused with the reason, never misread', async (t) => {
  const r = decode('22 40 03', '62 40 03 01 02')
  t.equal(r.ok, false, 'the extra byte does not fit the DID the manifest describes')
  const shortLast = decodeDiagnosticResponse(hex('22 40 01'), hex('62 40 01 10 68'), { dids: makerDidTable(TABLE) })
  t.equal(shortLast.ok, false)
  t.match(shortLast.error, /DID 0x4001 needs 5 data bytes, 2 left/)
  const without = decodeDiagnosticResponse(hex('22 40 01'), hex('62 40 01 10 68 0F A0 2A'))
  t.same(without.dids, [{ did: 0x4001, hex: '10 68 0F A0 2A' }], 'without the manifest: the DID as hex')
})

t.test('a freeze frame holding a maker DID is split with its length and read', async (t) => {
  const r = decode('19 04 02 17 00 01', '59 04 02 17 00 2F 01 02 40 02 F6 F4 05 82')
  t.match(r.snapshot?.records[0]?.dids, [{ did: 0x4002, name: 'pack temperature', values: [{ value: -10 }] }, { did: 0xf405, values: [{ value: 90 }] }])
})

t.test('DIDs asked by name, hex text or number; an unknown name names the known ones', async (t) => {
  t.same(resolveDidRefs(['Cell Voltages', '0xF190', 'f187', 0x4002], TABLE, 'dids'), [0x4001, 0xf190, 0xf187, 0x4002])
  t.throws(() => resolveDidRefs(['cell temps'], TABLE, 'dids'), /dids\[0\]: "cell temps" is neither .* the model names "cell voltages", "pack temperature"/)
  t.throws(() => resolveDidRefs(['cell voltages'], [], 'dids'), /names no DIDs \(its decoder manifest has no dids:\)/)
})
