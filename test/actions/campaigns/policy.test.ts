/**
 * The campaign decisions without a database: the spec check, the
 * auto-pause on the failure share, the wave gate and the step a runner
 * pass takes (wait, pause, next wave, complete), with the failures an
 * engineer accepted by resuming left out.
 */
import t from 'tap'
import { MIN_FINISHED_FOR_PAUSE, type CampaignSpec, type WaveProgress } from '../../../actions/campaigns/model.js'
import { campaignProblems, checkCampaignSpec, failureShareReason, nextStep, waveGate } from '../../../actions/campaigns/policy.js'

const SPEC: CampaignSpec = { id: 'bms-3-1', name: 'BMS 3.1', body: { action: { name: 'horn-test', params: {} } }, cohort: { models: ['ID-9'] }, createdBy: 'eve' }

/** A wave whose commands ended in these states (the rest of its vehicles not finished). */
function wave (index: number, vehicles: number, ended: { succeeded?: number, failed?: number, cancelled?: number } = {}): WaveProgress {
  const { succeeded = 0, failed = 0, cancelled = 0 } = ended
  return {
    wave: index,
    share: 1,
    vehicles,
    commands: { ...(succeeded > 0 ? { succeeded } : {}), ...(failed > 0 ? { failed } : {}), ...(cancelled > 0 ? { cancelled } : {}) },
    succeeded,
    failed,
    finished: succeeded + failed + cancelled
  }
}

const campaign = (currentWave: number, waves: number[], minSuccessRate = 1, failureThreshold = 0.5) => ({ currentWave, waves, minSuccessRate, failureThreshold })
const NONE: ReadonlyMap<number, number> = new Map()

t.test('a spec is checked field by field, each problem named', async (t) => {
  t.same(campaignProblems(SPEC), [], 'the defaults make a campaign')
  t.throws(() => { checkCampaignSpec({ ...SPEC, id: 'Bad Id', name: '', cohort: {}, waves: [0.5, 0.2] }) },
    { code: 'PITWALL_ERR_CAMPAIGN_INVALID', message: /id "Bad Id".*name is empty.*waves\[1\] = 0.2 does not grow.*last wave is 0.2.*whole fleet/ })
  t.match(campaignProblems({ ...SPEC, waves: [] }), ['waves is empty'])
  t.match(campaignProblems({ ...SPEC, waves: [0, 1] }), [/waves\[0\] = 0 is not a share in \(0, 1\]/])
  t.match(campaignProblems({ ...SPEC, minSuccessRate: 1.5, failureThreshold: -0.1 }), [/minSuccessRate 1.5 is not between 0 and 1/, /failureThreshold -0.1 is not between 0 and 1/])
  t.match(campaignProblems({ ...SPEC, commandTtlMs: 45 * 86_400_000 }), [/commandTtlMs 3888000000 is not between 1 ms and 30 days/])
  t.same(campaignProblems({ ...SPEC, cohort: { openFaultRule: 'bms-overheat' } }), [], 'a fault rule alone is a cohort')
})

t.test('the failure share pauses once enough commands finished', async (t) => {
  t.equal(failureShareReason({ vehicles: 6, finished: 4, failed: 2 }, 0.2), undefined, `not judged on fewer than ${MIN_FINISHED_FOR_PAUSE} finished`)
  t.equal(failureShareReason({ vehicles: 6, finished: 5, failed: 2 }, 0.2), '2 of 5 finished commands failed (40 % > 20 %)')
  t.equal(failureShareReason({ vehicles: 2, finished: 2, failed: 1 }, 0.2), '1 of 2 finished commands failed (50 % > 20 %)', 'a wave smaller than the minimum is judged when all of it finished')
  t.equal(failureShareReason({ vehicles: 10, finished: 5, failed: 1 }, 0.2), undefined, 'at the threshold: not over it')
  t.equal(failureShareReason({ vehicles: 0, finished: 0, failed: 0 }, 0), undefined, 'nothing finished, nothing to judge')
})

t.test('the wave gate: a finished wave\'s success rate against minSuccessRate, without the commands that did not run', async (t) => {
  t.same(waveGate(wave(1, 4, { succeeded: 3, failed: 1 }), 0, 1), { open: false, reason: 'wave 2: 3 of 4 succeeded (75 % < 100 %)' })
  t.same(waveGate(wave(0, 4, { succeeded: 3, failed: 1 }), 0, 0.75), { open: true, success: 0.75 })
  t.same(waveGate(wave(0, 2, { succeeded: 1, cancelled: 1 }), 0, 1), { open: true, success: 1 }, 'a withdrawn command is neither success nor failure')
  t.same(waveGate(wave(0, 3, { succeeded: 2, failed: 1 }), 1, 1), { open: true, success: 1 }, 'a failure accepted by a resume does not count')
  t.same(waveGate(wave(0, 1, { cancelled: 1 }), 0, 1), { open: true, success: 1 }, 'nothing ran: nothing failed')
})

t.test('a runner pass waits, pauses, starts the next wave or completes', async (t) => {
  const c = campaign(1, [0.1, 0.5, 1])
  t.same(nextStep(campaign(0, [0.1, 0.5, 1]), [wave(0, 1), wave(1, 4), wave(2, 5)], NONE), { type: 'wait' }, 'the wave is not finished yet')
  t.same(nextStep(campaign(0, [0.1, 0.5, 1]), [wave(0, 1, { succeeded: 1 }), wave(1, 4), wave(2, 5)], NONE), { type: 'start_wave', wave: 1, previousWaveSuccess: 1 })
  t.same(nextStep(c, [wave(0, 1, { succeeded: 1 }), wave(1, 4, { succeeded: 3, failed: 1 }), wave(2, 5)], NONE), { type: 'pause', reason: 'wave 2: 3 of 4 succeeded (75 % < 100 %)' })
  t.same(nextStep(campaign(2, [0.1, 0.5, 1]), [wave(0, 1, { succeeded: 1 }), wave(1, 4, { succeeded: 4 }), wave(2, 5, { succeeded: 5 })], NONE), { type: 'complete' }, 'the last wave held')
  t.same(nextStep(campaign(0, [1], 0.95, 0.2), [wave(0, 6, { succeeded: 3, failed: 2 })], NONE), { type: 'pause', reason: '2 of 5 finished commands failed (40 % > 20 %)' }, 'the failure share pauses before the wave is finished')
  t.same(nextStep(campaign(0, [1], 0.95, 0.2), [wave(0, 6, { succeeded: 2, failed: 2 })], NONE), { type: 'wait' }, 'not judged on 4 finished')
  t.same(nextStep(campaign(0, [0.5, 1]), [wave(0, 2, { succeeded: 1, cancelled: 1 }), wave(1, 2)], NONE), { type: 'start_wave', wave: 1, previousWaveSuccess: 1 }, 'every command that ran succeeded')
})

t.test('failures an engineer accepted by resuming count in neither check', async (t) => {
  // wave 1 paused the campaign on 2 failures of 4; the engineer resumed it
  const paused = [wave(0, 4, { succeeded: 2, failed: 2 }), wave(1, 4)]
  t.same(nextStep(campaign(0, [0.5, 1], 0.95, 0.2), paused, NONE), { type: 'pause', reason: '2 of 4 finished commands failed (50 % > 20 %)' }, 'counted, they would pause it again at once')
  t.same(nextStep(campaign(0, [0.5, 1], 0.95, 0.2), paused, new Map([[0, 2]])), { type: 'start_wave', wave: 1, previousWaveSuccess: 1 })
  const resumed = campaign(1, [0.5, 1], 0.95, 0.2)
  t.same(nextStep(resumed, [wave(0, 4, { succeeded: 2, failed: 2 }), wave(1, 4, { succeeded: 2, failed: 1 })], new Map([[0, 2]])), { type: 'wait' }, 'the accepted failures out: 1 of 5 finished failed, 20 % is not over 20 %')
  t.same(nextStep(resumed, [wave(0, 4, { succeeded: 2, failed: 2 }), wave(1, 4, { succeeded: 3, failed: 2 })], new Map([[0, 2]])), { type: 'pause', reason: '2 of 7 finished commands failed (28.6 % > 20 %)' }, 'and paused on the failures since the resume')
})
