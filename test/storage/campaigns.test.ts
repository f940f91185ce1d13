/**
 * Campaigns in storage, on both backends, moved along by the runner's pass
 * (advanceCampaign) as the gateway does: the cohort and its waves, the
 * success gate, the auto-pause, resume and abort, and how a paused
 * campaign holds its commands in the vehicles' queues.
 */
import t from 'tap'
import { checkCampaignSpec } from '../../actions/campaigns/policy.js'
import { advanceCampaign } from '../../actions/campaigns/runner.js'
import { COMMAND_TRANSITIONS, type CommandBody } from '../../actions/commands/model.js'
import { ackMove } from '../../actions/commands/policy.js'
import { openStorage, type Storage } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const BODY: CommandBody = { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }

let nextVin = 0
const vin = (): string => `WCA1234567890${String(nextVin++).padStart(4, '0')}`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const { commands, campaigns } = storage

    const vehicle = async (extra: { model?: string, firmware?: string } = {}): Promise<{ id: number, vin: string }> => {
      const v = vin()
      return { id: await storage.vehicles.add({ vin: v, ...extra }, 'scrypt$x'), vin: v }
    }

    t.test('campaigns: validation, waves, the success gate, auto-pause, resume and abort', async (t) => {
      const model = `PW-CAMP-${backend}`
      const fleet = await Promise.all(Array.from({ length: 10 }, async () => await vehicle({ model, firmware: '1.2.3' })))
      await vehicle({ model: 'OTHER', firmware: '1.2.3' })
      t.throws(() => { checkCampaignSpec({ id: 'Bad Id', name: '', body: BODY, cohort: {}, waves: [0.5, 0.2], createdBy: 'eve' }) },
        { code: 'PITWALL_ERR_CAMPAIGN_INVALID', message: /id "Bad Id".*name is empty.*waves\[1\] = 0.2 does not grow.*last wave is 0.2.*whole fleet/ })

      const c = await campaigns.create({ id: `bal-${backend}`, name: 'balancing', body: BODY, cohort: { models: [model], firmware: ['1.2*'] }, waves: [0.1, 0.5, 1], minSuccessRate: 1, failureThreshold: 0.5, createdBy: 'eve' })
      t.equal(c.state, 'draft')
      const started = await campaigns.start(c.id, 'eve')
      t.equal(started.vehicles, 10, 'the cohort is the model\'s vehicles on matching firmware')
      t.equal(started.queued.length, 1, 'the first wave is 10 % of 10')
      t.ok(fleet.some((v) => v.id === started.queued[0]))
      await t.rejects(campaigns.start(c.id, 'eve'), { code: 'PITWALL_ERR_CAMPAIGN_TRANSITION' })

      const finish = async (vehicleIds: number[], state: 'succeeded' | 'failed'): Promise<void> => {
        for (const id of vehicleIds) {
          const due = await commands.due(id)
          if (due === undefined) throw new Error(`vehicle ${id} has nothing due`)
          await commands.markSent(due.id, 30_000, 'k-test')
          await commands.applyAck(id, { id: due.id, state, progress: 100, detail: '', timeMs: 0 }, ackMove(state))
        }
      }
      t.same(await advanceCampaign(campaigns, c.id), { queued: [] }, 'the wave is not finished yet')
      await finish(started.queued, 'succeeded')
      const second = await advanceCampaign(campaigns, c.id)
      t.match(second.step, { type: 'wave_started', wave: 1, commands: 4 }, 'wave 2 takes the cohort to 50 %')
      await finish(second.queued.slice(0, 3), 'succeeded')
      await finish(second.queued.slice(3), 'failed')
      const paused = await advanceCampaign(campaigns, c.id)
      t.match(paused.step, { type: 'paused', reason: /wave 2: 3 of 4 succeeded \(75 % < 100 %\)/ })
      t.equal((await campaigns.get(c.id)).state, 'paused')
      const progress = await campaigns.progress(c.id)
      t.same(progress.waves.map((w) => [w.vehicles, w.succeeded, w.failed]), [[1, 1, 0], [4, 3, 1], [5, 0, 0]])

      const resumed = await campaigns.resume(c.id, 'eve')
      t.equal(resumed.campaign.state, 'running')
      const aborted = await campaigns.abort(c.id, 'eve', 'firmware bug found')
      t.equal(aborted.state, 'aborted')
      t.same((await campaigns.timeline(c.id)).map((e) => e.state), ['draft', 'running', 'wave_started', 'paused', 'running', 'aborted'])
    })

    t.test('a paused campaign holds its unsent commands; a failure share over the threshold pauses it', async (t) => {
      const model = `PW-HOLD-${backend}`
      const fleet = await Promise.all(Array.from({ length: 6 }, async () => await vehicle({ model })))
      const c = await campaigns.create({ id: `hold-${backend}`, name: 'ota', body: BODY, cohort: { vins: fleet.map((v) => v.vin) }, waves: [1], failureThreshold: 0.2, createdBy: 'eve' })
      const { queued } = await campaigns.start(c.id, 'eve')
      t.equal(queued.length, 6)
      await campaigns.pause(c.id, 'eve', 'checking a report')
      t.same(await commands.vehiclesWithDue(queued), [], 'held while paused')
      await campaigns.resume(c.id, 'eve')
      t.equal((await commands.vehiclesWithDue(queued)).length, 6)
      // 2 of the first 5 fail: 40 % > 20 %, judged once 5 have finished
      for (const [i, id] of queued.slice(0, 5).entries()) {
        const due = await commands.due(id)
        if (due === undefined) throw new Error('nothing due')
        await commands.markSent(due.id, 30_000, 'k-test')
        const state = i < 2 ? 'failed' : 'succeeded'
        await commands.applyAck(id, { id: due.id, state, progress: 100, detail: '', timeMs: 0 }, ackMove(state))
        const step = await advanceCampaign(campaigns, c.id)
        if (i < 4) t.equal(step.step, undefined, `not judged on ${i + 1} finished`)
        else t.match(step.step, { type: 'paused', reason: /2 of 5 finished commands failed/ })
      }
    })

    t.test('a campaign paused after its command was read as due holds it instead of sending it', async (t) => {
      const v = await vehicle({ model: `PW-PAUSE-SEND-${backend}` })
      const c = await campaigns.create({ id: `pause-send-${backend}`, name: 'ota', body: BODY, cohort: { vins: [v.vin] }, waves: [1], createdBy: 'eve' })
      await campaigns.start(c.id, 'eve')
      const due = await commands.due(v.id)
      if (due === undefined) throw new Error('the campaign command is not due')
      await campaigns.pause(c.id, 'eve', 'vehicles of the first wave do not boot')
      await t.rejects(commands.markSent(due.id, 30_000, 'k-test'), { code: 'PITWALL_ERR_COMMAND_TRANSITION', message: /campaign/ })
      t.equal((await commands.get(due.id)).state, 'queued', 'held in the queue')
      await campaigns.resume(c.id, 'eve')
      t.equal((await commands.markSent(due.id, 30_000, 'k-test')).state, 'sent', 'and sent once the campaign runs again')
    })

    t.test('a campaign command an engineer cancelled does not count against its wave', async (t) => {
      const fleet = await Promise.all(Array.from({ length: 4 }, async () => await vehicle({ model: `PW-CANCEL-${backend}` })))
      const c = await campaigns.create({ id: `cancel-${backend}`, name: 'ota', body: BODY, cohort: { vins: fleet.map((v) => v.vin) }, waves: [0.5, 1], minSuccessRate: 1, createdBy: 'eve' })
      const { queued } = await campaigns.start(c.id, 'eve')
      t.equal(queued.length, 2)
      const first = await commands.list({ campaignId: c.id })
      const withdrawn = first.find((x) => x.vehicleId === queued[0])
      const kept = first.find((x) => x.vehicleId === queued[1])
      if (withdrawn === undefined || kept === undefined) throw new Error('wave 1 commands not found')
      await commands.move(withdrawn.id, COMMAND_TRANSITIONS.cancel, 'eve', 'vehicle in the body shop')
      await commands.markSent(kept.id, 30_000, 'k-test')
      await commands.applyAck(kept.vehicleId, { id: kept.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 }, ackMove('succeeded'))
      t.match((await advanceCampaign(campaigns, c.id)).step, { type: 'wave_started', wave: 1, commands: 2 }, 'every command that ran succeeded')
    })
  })
}
