/**
 * The campaign runner's pass over running campaigns: one campaign that
 * cannot be advanced (a storage error, a race with an engineer) is logged
 * and left for the next pass, and the others still advance in this one.
 */
import t from 'tap'
import { CampaignRunner } from '../../actions/campaign-runner.js'
import type { Campaign, CampaignStore } from '../../storage/campaigns.js'
import { recordingLog } from './dealer-fixtures.js'

t.test('a campaign that fails to advance does not hold up the others', async (t) => {
  const log = recordingLog()
  const queued: number[] = []
  const store = {
    list: async () => [{ id: 'broken' }, { id: 'healthy' }] as Campaign[],
    advance: async (id: string) => {
      if (id === 'broken') throw new Error('could not serialize access due to concurrent update')
      return { step: { type: 'wave_started' as const, wave: 1, commands: 2 }, queued: [7, 8] }
    }
  }
  const runner = new CampaignRunner({ campaigns: store as unknown as CampaignStore, queued: (v) => { queued.push(v) }, log })
  await runner.runOnce()
  t.same(queued, [7, 8], 'the healthy campaign\'s next wave went to the dispatcher')
  t.match(log.lines, [
    { level: 'error', obj: { campaign: 'broken', err: /concurrent update/ }, msg: /next pass/ },
    { level: 'info', obj: { campaign: 'healthy', type: 'wave_started' } }
  ])
})
