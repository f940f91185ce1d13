/**
 * A diagnostic command as read back: the request in words, each ECU's
 * final answer decoded (a forwarded responsePending is not an answer), and
 * nothing for commands that are not diagnostic requests.
 */
import t from 'tap'
import { diagnosisOf } from '../../../actions/commands/diagnosis.js'
import { diagnosticCommand, needsApproval } from '../../../actions/commands/diagnostic-body.js'

const clear = diagnosticCommand({ request: { kind: 'uds_clear_dtcs' }, target: 0x7e0 }, 'body.diagnostic')

t.test('the final answer of each ECU, a responsePending before it dropped', async (t) => {
  const d = diagnosisOf({ body: clear.body }, [
    { ecu: 0x7e8, data: '7f1478', elapsedMs: 40 },
    { ecu: 0x7ec, data: '7f1422', elapsedMs: 45 },
    { ecu: 0x7e8, data: '54', elapsedMs: 900 }
  ])
  t.match(d?.request, { data: '14ffffff', target: 0x7e0, clearsDtcs: true })
  t.same(d?.answers.map((a) => [a.ecu, a.decoded.ok, a.decoded.cleared ?? a.decoded.negative?.name]), [[0x7e8, true, true], [0x7ec, false, 'conditionsNotCorrect']])
})

t.test('an ECU that only said it was busy is shown as it answered', async (t) => {
  const d = diagnosisOf({ body: clear.body }, [{ ecu: 0x7e8, data: '7f1478', elapsedMs: 40 }])
  t.equal(d?.answers.length, 1)
  t.equal(d?.answers[0]?.decoded.negative?.nrc, 0x78)
})

t.test('what needs an engineer\'s approval', async (t) => {
  t.equal(clear.needsApproval, true, 'UDS clear')
  t.equal(diagnosticCommand({ request: { kind: 'obd_clear_dtcs' } }, 'x').needsApproval, true, 'OBD-II 04')
  t.equal(diagnosticCommand({ request: { kind: 'raw', hex: '2EF19000' } }, 'x').needsApproval, true, 'a write')
  t.equal(diagnosticCommand({ request: { kind: 'uds_read_dtcs' } }, 'x').needsApproval, false, 'a read')
  t.equal(needsApproval({ action: { name: 'x', params: {} } }), false)
  t.equal(diagnosisOf({ body: { action: { name: 'x', params: {} } } }, null), null, 'not a diagnostic request')
})
