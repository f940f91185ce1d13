/**
 * The fault-action outbox's retry budget: a handler refused for good is
 * given up after maxAttempts, but a handler waiting on the gateway's own work
 * (`counted: false`, the projector writing a batch's rows) keeps its attempts
 * however often it waits, and is handled once the wait is over.
 */
import t from 'tap'
import { FaultActionProcessor, type FaultActionOutcome } from '../../../actions/fault-actions/processor.js'
import { openTestStorage, recordingLog, seedFault } from '../dealer-fixtures.js'

t.test('waits do not use up attempts; refusals do', async (t) => {
  const storage = await openTestStorage(t, 'pglite')
  const waiting = await seedFault(storage, { action: { type: 'service_reminder', task: 'wait' } })
  const refused = await seedFault(storage, { action: { type: 'service_reminder', task: 'refuse' } })

  let waits = 8
  const handled: number[] = []
  const processor = new FaultActionProcessor({
    store: storage.faultActions,
    log: recordingLog(),
    maxAttempts: 3,
    handlers: {
      service_reminder: async (action): Promise<FaultActionOutcome> => {
        handled.push(action.faultId)
        if (action.faultId === refused.faultId) return { done: false, retryInMs: 0, reason: 'refused' }
        if (waits-- > 0) return { done: false, retryInMs: 0, reason: 'rows still being written', counted: false }
        return { done: true, note: 'handled' }
      }
    }
  })
  for (let pass = 0; pass < 12; pass++) await processor.runOnce()

  const [wait] = await storage.faultActions.list({ faultId: waiting.faultId })
  t.match(wait, { attempts: 1, lastError: 'handled' }, 'handled after 8 waits, on its first counted attempt')
  t.not(wait?.doneAt, null)
  t.equal(handled.filter((id) => id === waiting.faultId).length, 9)

  const [gaveUp] = await storage.faultActions.list({ faultId: refused.faultId })
  t.match(gaveUp, { attempts: 3, lastError: 'gave up after 3 attempts: refused' }, 'a refusal counts')
  t.equal(handled.filter((id) => id === refused.faultId).length, 3)
})
