import t from 'tap'
import { dtcStatusByte, dtcStatusFlags, dtcStatusNames } from '../../../decoders/dtc/dtc-status.js'
import { dtcText, udsDtcText } from '../../../decoders/dtc/j2012.js'
import { parseObdDtcResponse } from '../../../decoders/dtc/obd-dtc-list.js'
import { parseReadDtcResponse } from '../../../decoders/dtc/uds-read-dtc.js'
import { CONFIRMED_STATUS, PENDING_STATUS } from '../../../sim/dtc.js'
import { hex, diagnosticFailure } from '../obd/bytes.js'


t.test('services 03/07/0A on CAN: count byte then 2-byte DTCs', async (t) => {
  const stored = parseObdDtcResponse(hex('43 02 01 43 01 96'))
  t.same({ service: stored.service, dtcs: stored.dtcs.map(dtcText) }, { service: 0x03, dtcs: ['P0143', 'P0196'] })
  t.same(parseObdDtcResponse(hex('47 00')), { service: 0x07, dtcs: [] }, 'no pending DTCs')
  t.same(parseObdDtcResponse(hex('4A 01 C1 00')).dtcs.map(dtcText), ['U0100'], 'permanent')
  t.match(diagnosticFailure(() => parseObdDtcResponse(hex('43 03 01 43 01 96'))), /PITWALL_ERR_DTC_LIST: .*count byte says 3 DTCs \(6 bytes\), the message carries 4/)
  t.match(diagnosticFailure(() => parseObdDtcResponse(hex('7F 03 11'))), /PITWALL_ERR_NEGATIVE_RESPONSE: .*0x03 with NRC 0x11 serviceNotSupported/)
  t.match(diagnosticFailure(() => parseObdDtcResponse(hex('41 00'))), /PITWALL_ERR_OBD_SERVICE: .*0x41 is not 43, 47 or 4A/)
})

t.test('legacy transports: no count byte, 0000 padding skipped', async (t) => {
  t.same(parseObdDtcResponse(hex('43 01 43 01 96 00 00'), { countByte: false }).dtcs.map(dtcText), ['P0143', 'P0196'])
  t.match(diagnosticFailure(() => parseObdDtcResponse(hex('43 01 43 01'), { countByte: false })), /3 DTC bytes is not a whole number/)
})

t.test('ISO 14229-1 D.2 status flags, both ways', async (t) => {
  t.same(dtcStatusNames(0x2f), ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear'])
  t.same(dtcStatusNames(0x50), ['testNotCompletedSinceLastClear', 'testNotCompletedThisOperationCycle'])
  const flags = dtcStatusFlags(CONFIRMED_STATUS)
  t.ok(flags.confirmedDTC && flags.warningIndicatorRequested, 'the simulator\'s confirmed DTC asks for the MIL')
  t.notOk(dtcStatusFlags(PENDING_STATUS).confirmedDTC)
  let mismatches = 0
  for (let s = 0; s < 256; s++) if (dtcStatusByte(dtcStatusFlags(s)) !== s) mismatches++
  t.equal(mismatches, 0, 'every byte round-trips')
  t.equal(dtcStatusByte({ confirmedDTC: true, warningIndicatorRequested: true }), 0x88)
})

t.test('UDS 0x59 number-of-DTC and DTC-record reports', async (t) => {
  t.same(parseReadDtcResponse(hex('59 01 FF 01 00 02')),
    { kind: 'count', reportType: 0x01, statusAvailabilityMask: 0xff, formatIdentifier: 1, format: 'ISO_14229-1_DTCFormat', count: 2 })
  const report = parseReadDtcResponse(hex('59 02 FF 03 01 1A 2F C1 00 00 08'))
  if (report.kind !== 'records') throw new Error(report.kind)
  t.same(report.records.map((r) => [udsDtcText(r.dtc), dtcStatusNames(r.status)]), [
    ['P0301-1A', ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear']],
    ['U0100-00', ['confirmedDTC']]
  ])
  t.same(parseReadDtcResponse(hex('59 0A 7F')), { kind: 'records', reportType: 0x0a, statusAvailabilityMask: 0x7f, records: [] })
  t.same(parseReadDtcResponse(hex('59 08 FF 20 10 03 01 1A 09')),
    { kind: 'severityRecords', reportType: 0x08, statusAvailabilityMask: 0xff, records: [{ severity: 0x20, functionalUnit: 0x10, dtc: 0x03011a, status: 0x09 }] })
  t.same(parseReadDtcResponse(hex('59 03 03 01 1A 01 01 28 00 02')),
    { kind: 'snapshotIdentification', reportType: 0x03, records: [{ dtc: 0x03011a, recordNumber: 1 }, { dtc: 0x012800, recordNumber: 2 }] })
})

t.test('UDS 0x59 snapshot and extended data headers', async (t) => {
  const snapshot = parseReadDtcResponse(hex('59 04 03 01 1A 2F 01 02 F4 0D 40 F4 0C 1A F8'))
  t.match(snapshot, { kind: 'snapshot', dtc: 0x03011a, status: 0x2f, recordNumber: 1, identifierCount: 2 })
  if (snapshot.kind === 'snapshot') t.equal(snapshot.data.length, 9, 'records kept raw: DID lengths are manufacturer-defined')
  t.match(parseReadDtcResponse(hex('59 06 03 01 1A 2F 01 05')), { kind: 'extendedData', recordNumber: 1, dtc: 0x03011a })
  t.notOk('recordNumber' in parseReadDtcResponse(hex('59 04 03 01 1A 2F')), 'no record stored')
})

t.test('UDS 0x59 errors say what is wrong', async (t) => {
  t.match(diagnosticFailure(() => parseReadDtcResponse(hex('59 02 FF 03 01 1A'))), /PITWALL_ERR_UDS_READ_DTC: .*3 bytes left after 0 records of 4 bytes/)
  t.match(diagnosticFailure(() => parseReadDtcResponse(hex('59 01 FF 01 00'))), /is 5 bytes; it is 6/)
  t.match(diagnosticFailure(() => parseReadDtcResponse(hex('59 14 00'))), /report type 0x14 is not decoded/)
  t.match(diagnosticFailure(() => parseReadDtcResponse(hex('7F 19 31'))), /PITWALL_ERR_NEGATIVE_RESPONSE: .*0x19 with NRC 0x31 requestOutOfRange/)
  t.match(diagnosticFailure(() => parseReadDtcResponse(hex('59 04 03 01'))), /PITWALL_ERR_OBD_TRUNCATED/)
})
