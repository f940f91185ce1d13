/**
 * Technical assistance over HTTP on one backend: a dealer asks about its
 * own alert (never another dealer's: 404, and it cannot read another
 * dealer's questions either), engineers list the open ones and answer each
 * once, linking a case that must exist; operators read but do not answer;
 * the dealer reads the answer with its alert.
 */
import t from 'tap'
import { CaseBase } from '../../actions/cases/case-base.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin })
    await storage.dealers.add({ id: 'sued', name: 'Autohaus Süd', ...PLACES.munich })
    await new CaseBase(storage.cases).upsert({ id: 'case-water-pump', title: 'Water pump impeller', steps: ['Replace the pump'] }, 'alice')
    const token = async (name: string, role: 'engineer' | 'operator' | 'dealer', dealerId?: string): Promise<string> =>
      (await storage.apiTokens.create({ name, role, dealerId })).token
    const engineer = await token('alice', 'engineer')
    const operator = await token('olaf', 'operator')
    const nord = await token('Nord service desk', 'dealer', 'nord')
    const sued = await token('Süd service desk', 'dealer', 'sued')
    const raise = async (dealerId: string): Promise<number> => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, dealerId)
      const [alert] = await new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() }).raiseForFault(f.faultId, 'prestage')
      return alert?.id as number
    }
    const nordAlert = await raise('nord')
    const suedAlert = await raise('sued')

    t.test('a dealer asks about its own alert; never about another dealer\'s, and it cannot read theirs', async (t) => {
      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, undefined, { question: 'x' }), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, engineer, { question: 'x' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for dealer tokens/)
      const asked = await call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, nord, { question: 'Temperature still climbs with the fan on. Pump or thermostat?' })
      t.equal(asked.statusCode, 201)
      t.match(asked.json(), { alertId: nordAlert, dealerId: 'nord', state: 'open', askedBy: 'Nord service desk', alertKind: 'prestage', subject: /^Coolant overheat/, answer: null })
      t.same(asked.json(), JSON.parse(JSON.stringify(await storage.assistance.get(asked.json().id as number))), 'the answer is all the store holds')

      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, sued, { question: 'What is wrong with their car?' }), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer sued has no alert ${nordAlert}`)
      await expectError(t, call('GET', `/api/v1/inbox/alerts/${nordAlert}/assistance`, sued), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer sued has no alert ${nordAlert}`)
      await expectError(t, call('GET', `/api/v1/assistance/${String(asked.json().id)}`, sued), 404, 'PITWALL_ERR_ASSISTANCE_UNKNOWN', `dealer sued has no assistance request ${String(asked.json().id)}`)
      t.same((await call('GET', '/api/v1/assistance', sued)).json().requests, [], 'not in Süd\'s list')
      await expectError(t, call('GET', '/api/v1/assistance?dealer=nord', sued), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own assistance requests/)
      t.same((await call('GET', `/api/v1/inbox/alerts/${nordAlert}/assistance`, nord)).json().requests.map((r: { id: number }) => r.id), [asked.json().id])

      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, nord, { question: 'q'.repeat(4001) }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.question must NOT have more than 4000 characters')
      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, nord, { question: '   ' }), 400, 'PITWALL_ERR_ASSISTANCE_INVALID', /^question is empty/)
      await expectError(t, call('POST', `/api/v1/inbox/alerts/${nordAlert}/assistance`, nord, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "question"')
    })

    t.test('engineers list the open questions and answer each once, with a case that must exist; operators only read', async (t) => {
      const asked = (await call('POST', `/api/v1/inbox/alerts/${suedAlert}/assistance`, sued, { question: 'Impeller or seal?' })).json()
      const open = (await call('GET', '/api/v1/assistance?state=open', engineer)).json()
      t.ok(open.requests.some((r: { id: number }) => r.id === asked.id))
      t.ok(open.requests.every((r: { state: string }) => r.state === 'open'))
      t.equal((await call('GET', '/api/v1/assistance?dealer=sued', operator)).statusCode, 200)
      await expectError(t, call('GET', '/api/v1/assistance?state=closed', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.state "closed" is not one of open, answered')

      const url = `/api/v1/assistance/${String(asked.id)}/answer`
      await expectError(t, call('POST', url, operator, { answer: 'x' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer tokens; token "olaf" is an operator token/)
      await expectError(t, call('POST', url, sued, { answer: 'x' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer tokens/)
      await expectError(t, call('POST', url, engineer, { answer: 'The impeller.', caseId: 'case-none' }), 404, 'PITWALL_ERR_CASE_UNKNOWN', /no case case-none/)
      await expectError(t, call('POST', url, engineer, { answer: 'a'.repeat(8001) }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.answer must NOT have more than 8000 characters')
      const answered = await call('POST', url, engineer, { answer: 'The impeller: it wears on this model.', caseId: 'case-water-pump' })
      t.equal(answered.statusCode, 200)
      t.match(answered.json(), { state: 'answered', answer: 'The impeller: it wears on this model.', answeredBy: 'alice', caseId: 'case-water-pump', answeredAt: String })
      await expectError(t, call('POST', url, engineer, { answer: 'Or the seal.' }), 409, 'PITWALL_ERR_ASSISTANCE_TRANSITION', /was answered already by alice/)
      await expectError(t, call('POST', '/api/v1/assistance/99999999/answer', engineer, { answer: 'x' }), 404, 'PITWALL_ERR_ASSISTANCE_UNKNOWN', 'no assistance request 99999999')

      t.match((await call('GET', `/api/v1/inbox/alerts/${suedAlert}/assistance`, sued)).json().requests, [{ id: asked.id, answer: /^The impeller/, caseId: 'case-water-pump' }], 'kept with the alert')
      t.match((await call('GET', `/api/v1/assistance/${String(asked.id)}`, sued)).json(), { state: 'answered' })

      const caseUrl = `/api/v1/assistance/${String(asked.id)}/case`
      await expectError(t, call('POST', caseUrl, sued, { caseId: 'case-water-pump' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer tokens/)
      await expectError(t, call('POST', caseUrl, engineer, { caseId: 'case-gone' }), 404, 'PITWALL_ERR_CASE_UNKNOWN', /no case case-gone/)
      t.equal((await call('POST', caseUrl, engineer, { caseId: 'case-water-pump' })).json().caseId, 'case-water-pump')
    })
  })
}
