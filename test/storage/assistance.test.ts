/**
 * Technical assistance on both backends: a dealer asks about its own alert
 * only (another dealer's reads as not found), engineers list the open
 * questions and answer each once, the answer is kept with the alert with a
 * case it may point to (which must exist; a deleted case leaves the answer),
 * the dealer's webhook says it was answered, and one alert holds a bounded
 * number of questions.
 */
import t from 'tap'
import { AssistanceService } from '../../actions/assistance/service.js'
import { PER_ALERT_MAX } from '../../actions/assistance/model.js'
import { CaseBase } from '../../actions/cases/case-base.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { poolOf } from '../../storage/index.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    await storage.dealers.add({ id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin, webhookUrl: 'https://dms.nord.example/pitwall' })
    await storage.dealers.add({ id: 'sued', name: 'Autohaus Süd', ...PLACES.munich })
    await new CaseBase(storage.cases).upsert({ id: 'case-fuel-pump', title: 'Fuel pump relay', steps: ['Swap the relay'] }, 'alice')
    const raise = async (dealerId: string): Promise<{ id: number, faultId: number, vin: string }> => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, dealerId)
      const [alert] = await new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() }).raiseForFault(f.faultId, 'prestage')
      return { id: alert?.id as number, faultId: f.faultId, vin: f.vin }
    }
    const assistance = new AssistanceService(storage.assistance, recordingLog())
    const nordAlert = await raise('nord')
    const suedAlert = await raise('sued')

    t.test('a dealer asks about its own alert; engineers see it open, answer it once, and link the case', async (t) => {
      const asked = await assistance.ask('nord', nordAlert.id, '  Fan runs, temperature still climbs. Thermostat or pump first?  ', 'Nord service desk')
      t.match(asked, {
        alertId: nordAlert.id, dealerId: 'nord', vin: nordAlert.vin, alertKind: 'prestage', faultId: nordAlert.faultId, subject: /^Coolant overheat \d+$/,
        question: 'Fan runs, temperature still climbs. Thermostat or pump first?', askedBy: 'Nord service desk', state: 'open', answer: null, caseId: null
      })
      t.same((await storage.assistance.list({ state: 'open' })).map((r) => r.id), [asked.id])
      t.same(await storage.assistance.forAlert(nordAlert.id, 'nord'), [asked])
      t.same(await storage.assistance.list({ dealerId: 'sued' }), [], 'Süd asked nothing')

      await t.rejects(assistance.answer(asked.id, 'Check the pump first.', 'alice', 'case-nope'), { code: 'PITWALL_ERR_CASE_UNKNOWN', message: /no case case-nope/ })
      t.equal((await storage.assistance.get(asked.id)).state, 'open', 'a refused answer leaves it open')
      const answered = await assistance.answer(asked.id, ' Check the pump first: the impeller wears on this model. ', 'alice', 'case-fuel-pump')
      t.match(answered, { state: 'answered', answer: 'Check the pump first: the impeller wears on this model.', answeredBy: 'alice', caseId: 'case-fuel-pump' })
      t.ok(answered.answeredAt instanceof Date)
      await t.rejects(assistance.answer(asked.id, 'Again', 'bob'), { code: 'PITWALL_ERR_ASSISTANCE_TRANSITION', message: new RegExp(`^assistance request ${asked.id} was answered already by alice at `) })
      t.same(await storage.assistance.list({ state: 'open' }), [], 'no longer in the queue')

      const hooks = await storage.dealerAlerts.deliveries(nordAlert.id)
      const told = hooks.find((d) => d.event === 'assistance_request.answered')
      t.match(JSON.parse(told?.body ?? '{}'), { schema: 'pitwall.assistance/1', alert: { id: nordAlert.id, dealerId: 'nord' }, assistance: { id: asked.id, answer: /^Check the pump/, caseId: 'case-fuel-pump' } })

      t.equal((await assistance.linkCase(asked.id, 'case-fuel-pump')).caseId, 'case-fuel-pump', 'linking again is allowed')
      await storage.cases.delete('case-fuel-pump')
      t.match(await storage.assistance.get(asked.id), { state: 'answered', answer: /^Check the pump/, caseId: null }, 'a deleted case leaves the answer')
    })

    t.test('a dealer cannot ask about, nor read, another dealer\'s alert or question', async (t) => {
      const asked = await assistance.ask('sued', suedAlert.id, 'Which relay?', 'Süd desk')
      await t.rejects(assistance.ask('nord', suedAlert.id, 'Which relay?', 'Nord desk'), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: `dealer nord has no alert ${suedAlert.id}` })
      await t.rejects(storage.assistance.forAlert(suedAlert.id, 'nord'), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN' })
      await t.rejects(storage.assistance.get(asked.id, 'nord'), { code: 'PITWALL_ERR_ASSISTANCE_UNKNOWN', message: `dealer nord has no assistance request ${asked.id}` })
      t.same((await storage.assistance.list({ dealerId: 'nord' })).map((r) => r.dealerId), ['nord'])
      t.equal((await storage.assistance.get(asked.id, 'sued')).id, asked.id)
      await assistance.answer(asked.id, 'The one behind the glovebox.', 'alice')
      t.same((await storage.dealerAlerts.deliveries(suedAlert.id)).map((d) => d.event), [], 'Süd has no webhook: the answer waits in its inbox')
    })

    t.test('questions and answers are checked and capped; one alert holds a bounded number', async (t) => {
      await t.rejects(assistance.ask('nord', nordAlert.id, '   ', 'x'), { code: 'PITWALL_ERR_ASSISTANCE_INVALID', message: /^question is empty/ })
      await t.rejects(assistance.ask('nord', nordAlert.id, 'q'.repeat(4001), 'x'), { code: 'PITWALL_ERR_ASSISTANCE_INVALID', message: 'question has 4001 characters; at most 4000' })
      const open = await assistance.ask('nord', nordAlert.id, 'One more', 'x')
      await t.rejects(assistance.answer(open.id, 'a'.repeat(8001), 'alice'), { code: 'PITWALL_ERR_ASSISTANCE_INVALID', message: 'answer has 8001 characters; at most 8000' })
      await t.rejects(assistance.answer(9_999_999, 'yes', 'alice'), { code: 'PITWALL_ERR_ASSISTANCE_UNKNOWN', message: 'no assistance request 9999999' })
      const held = (await storage.assistance.forAlert(nordAlert.id)).length
      await Promise.all(Array.from({ length: PER_ALERT_MAX - held }, async (_, i) => await assistance.ask('nord', nordAlert.id, `question ${i}`, 'x')))
      await t.rejects(assistance.ask('nord', nordAlert.id, 'one too many', 'x'), { code: 'PITWALL_ERR_ASSISTANCE_LIMIT', message: new RegExp(`alert ${nordAlert.id} holds ${PER_ALERT_MAX} assistance requests`) })
      const stored = await poolOf(storage).query<{ n: number }>('SELECT count(*)::int AS n FROM assistance_requests WHERE alert_id = $1', [nordAlert.id])
      t.equal(stored.rows[0]?.n, PER_ALERT_MAX)
    })
  })
}
