import t from 'tap'
import { cvnsFromService09, parseService09Response, vinFromService09 } from '../../../decoders/obd/service09.js'
import { ascii, hex, diagnosticFailure } from './bytes.js'


t.test('VIN with and without the ISO 15765-4 NODI byte', async (t) => {
  t.equal(vinFromService09(Uint8Array.of(0x49, 0x02, 0x01, ...ascii('WDB12345678901234'))), 'WDB12345678901234')
  t.equal(vinFromService09(Uint8Array.of(0x49, 0x02, ...ascii('WDB12345678901234'))), 'WDB12345678901234', 'some ECUs leave NODI out')
})

t.test('CVNs print as 8 hex digits; supported-InfoType bitmaps carry no NODI', async (t) => {
  t.same(cvnsFromService09(hex('49 06 02 17 91 BC 82 00 00 0A FF')), ['1791BC82', '00000AFF'])
  t.same(Array.from(parseService09Response(hex('49 00 55 40 00 00')).items[0] ?? []), [0x55, 0x40, 0, 0])
})

t.test('service 09 errors name the InfoType and what is wrong', async (t) => {
  t.match(diagnosticFailure(() => parseService09Response(Uint8Array.of(0x49, 0x04, 0x02, ...new Array<number>(16).fill(0x41)))),
    /PITWALL_ERR_SERVICE09: .*InfoType 0x04 .* NODI 2 × 16 bytes needs 32 bytes of items, got 16/)
  t.match(diagnosticFailure(() => vinFromService09(Uint8Array.of(0x49, 0x02, 0x01, ...ascii('WDB1234567890123'), 0x00))),
    /PITWALL_ERR_SERVICE09: VIN .*byte 16 \(0x00\) is not printable ASCII/)
  t.match(diagnosticFailure(() => vinFromService09(hex('49 06 01 17 91 BC 82'))), /InfoType 0x06, not 0x02 \(VIN\)/)
  t.match(diagnosticFailure(() => vinFromService09(hex('7F 09 31'))), /PITWALL_ERR_NEGATIVE_RESPONSE: .*NRC 0x31 requestOutOfRange/)
})
