/**
 * The notice worker over a store that fails: a failure is retried on the
 * backoff with the reason kept, the notices after it are still handled, and
 * after the last attempt the notice is skipped with the reason; the webhook
 * worker is woken only when a delivery was queued.
 */
import t from 'tap'
import type { ClaimedNotice, NoticeContext, NoticeDecision } from '../../../actions/dealer-notices/model.js'
import { DealerNoticeProcessor } from '../../../actions/dealer-notices/processor.js'
import type { NoticeApplied } from '../../../storage/dealer-notices.js'
import { recordingLog } from '../dealer-fixtures.js'

function notice (id: number, attempts: number): ClaimedNotice {
  const at = new Date('2025-03-04T10:00:00Z')
  return {
    id, type: 'reminder_created', alertId: null, reminderId: id, faultEventId: null, supersededBy: null, time: at, by: null, detail: null,
    state: 'pending', attempts, nextAttemptAt: at, outcome: null, createdAt: at, doneAt: null, leaseId: 'lease'
  }
}

const REMINDER: NoticeContext = {
  subject: 'reminder',
  notice: { id: 2, type: 'reminder_created', time: new Date() },
  reminder: { id: 2, ruleId: 'oil', kind: 'due', dueAt: null, dueKm: 1000, dueHours: null, detail: {}, state: 'open', createdAt: new Date(), closedAt: null, closedBy: null },
  vehicle: { vin: 'WBA3B5C50DF000001', model: null, brand: null },
  dealer: { id: 'd', webhook: true },
  createdTold: false
}

t.test('a failing notice is retried with its reason, then given up; the others are told and the webhook worker woken', async (t) => {
  const calls: string[] = []
  let wakes = 0
  const store = {
    claim: async (): Promise<ClaimedNotice[]> => [notice(1, 3), notice(2, 1), notice(3, 20)],
    apply: async (n: ClaimedNotice, decide: (ctx: NoticeContext) => NoticeDecision): Promise<NoticeApplied> => {
      if (n.id !== 2) throw Object.assign(new Error('connection terminated'), { code: 'PITWALL_ERR_STORAGE_UNAVAILABLE' })
      return { lost: false, decision: decide(REMINDER), delivery: true }
    },
    retry: async (n: ClaimedNotice, delayMs: number, reason: string): Promise<void> => { calls.push(`retry ${n.id} in ${delayMs} ms: ${reason}`) },
    giveUp: async (n: ClaimedNotice, reason: string): Promise<void> => { calls.push(`give up ${n.id}: ${reason}`) }
  }
  const processor = new DealerNoticeProcessor({ store, log: recordingLog(), queued: () => { wakes++ } })
  t.equal(await processor.runOnce(), 3)
  t.same(calls, [
    'retry 1 in 4000 ms: PITWALL_ERR_STORAGE_UNAVAILABLE: connection terminated',
    'give up 3: gave up after 20 attempts: PITWALL_ERR_STORAGE_UNAVAILABLE: connection terminated'
  ])
  t.equal(wakes, 1, 'one wake for the delivery queued')
})

t.test('a pass that queued nothing does not wake the webhook worker', async (t) => {
  let wakes = 0
  const store = {
    claim: async (): Promise<ClaimedNotice[]> => [notice(1, 1)],
    apply: async (): Promise<NoticeApplied> => ({ lost: false, decision: { action: 'skip', reason: 'no dealer' }, delivery: false }),
    retry: async (): Promise<void> => {},
    giveUp: async (): Promise<void> => {}
  }
  await new DealerNoticeProcessor({ store, log: recordingLog(), queued: () => { wakes++ } }).runOnce()
  t.equal(wakes, 0)
})
