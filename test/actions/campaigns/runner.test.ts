/**
 * The campaign runner's pass over running campaigns: one campaign that
 * cannot be advanced (a storage error, a race with an engineer) is logged
 * and left for the next pass, and the others still advance in this one.
 */
import t from 'tap'
import type { Campaign, CampaignProgress } from '../../../actions/campaigns/model.js'
import { CampaignRunner } from '../../../actions/campaigns/runner.js'
import type { CampaignStore } from '../../../storage/campaigns.js'
import { recordingLog } from '../dealer-fixtures.js'

/** A running campaign whose first wave (2 vehicles) all succeeded: the policy starts its second. */
const firstWaveDone = (id: string): CampaignProgress => ({
  campaign: { id, state: 'running', currentWave: 0, waves: [0.5, 1], minSuccessRate: 1, failureThreshold: 0.5 } as Campaign,
  vehicles: 4,
  waves: [
    { wave: 0, share: 0.5, vehicles: 2, commands: { succeeded: 2 }, succeeded: 2, failed: 0, finished: 2 },
    { wave: 1, share: 1, vehicles: 2, commands: {}, succeeded: 0, failed: 0, finished: 0 }
  ]
})

t.test('a campaign that fails to advance does not hold up the others', async (t) => {
  const log = recordingLog()
  const queued: number[] = []
  const store = {
    list: async () => [{ id: 'broken' }, { id: 'healthy' }] as Campaign[],
    progress: async (id: string) => {
      if (id === 'broken') throw new Error('could not serialize access due to concurrent update')
      return firstWaveDone(id)
    },
    failedBeforeResume: async () => new Map<number, number>(),
    startWave: async () => [7, 8]
  }
  const runner = new CampaignRunner({ campaigns: store as unknown as CampaignStore, queued: (v) => { queued.push(v) }, log })
  await runner.runOnce()
  t.same(queued, [7, 8], 'the healthy campaign\'s next wave went to the dispatcher')
  t.match(log.lines, [
    { level: 'error', obj: { campaign: 'broken', err: /concurrent update/ }, msg: /next pass/ },
    { level: 'info', obj: { campaign: 'healthy', type: 'wave_started' } }
  ])
})
