/**
 * The after-sales KPIs on a known story, on both backends: six faults of
 * March 2026 on two models, repaired with the dealer's first-time-fix flag,
 * one fault back inside the 30-day window, one back after it, one window
 * still running, one fixed remotely, and the customers' survey answers.
 * Every figure a service manager reads (verified first-time fix beside the
 * flag, time back on the road, CSI, NPS) is checked exactly, for the period,
 * per model, per ISO week, per model and week, and in one dealer's scope.
 * Recording the answers goes through the policy as the API does, with its
 * refusals.
 */
import t from 'tap'
import type { DealerAlert } from '../../actions/dealer-alerts/model.js'
import { alertMove } from '../../actions/dealer-alerts/policy.js'
import type { KpiGroup, ServiceKpis } from '../../actions/kpis/model.js'
import { surveyAnswer, surveyOutcome } from '../../actions/kpis/policy.js'
import { poolOf, type Storage } from '../../storage/index.js'
import { unknownAlert } from '../../storage/surveys.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const DAY_S = 86_400
const at = (iso: string, plusS = 0): Date => new Date(Date.parse(iso) + plusS * 1000)
const NOW = at('2026-06-15T12:00:00Z')
const MARCH = { from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z'), now: NOW, ftfWindowDays: 30 }
const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

interface Story {
  model: string
  opened: string
  dealerId?: string
  /** seconds after the fault opened, with the dealer's flag */
  repairedAfterS?: number
  firstTimeFix?: boolean
  /** the alert stops here instead of being repaired */
  stopsAt?: 'parts_staged'
}

/** A fault opened at `opened` on a new vehicle of `model`, with one alert worked to repaired (or only to parts staged). */
async function fault (storage: Storage, story: Story): Promise<{ faultId: number, vehicleId: number, alert?: DealerAlert }> {
  const seeded = await seedFault(storage, { model: story.model })
  const pool = poolOf(storage)
  const opened = at(story.opened)
  await pool.query('UPDATE faults SET opened_at = $2, last_occurred_at = $2 WHERE id = $1', [seeded.faultId, opened])
  if (story.dealerId === undefined) return { faultId: seeded.faultId, vehicleId: seeded.vehicleId }
  const { alerts: [alert] } = await storage.dealerAlerts.create(seeded.faultId, 'prestage',
    [{ dealerId: story.dealerId, routing: { via: 'own', distanceKm: null }, payload: {}, webhook: false }], envelope)
  if (alert === undefined) throw new Error('no alert created')
  await pool.query('UPDATE dealer_alerts SET created_at = $2 WHERE id = $1', [alert.id, at(story.opened, 60)])
  const to = story.stopsAt ?? 'repaired'
  await storage.dealerAlerts.transition(story.dealerId, alert.id, alertMove(alert.id, to, { by: 'werkstatt', ...(to === 'repaired' ? { firstTimeFix: story.firstTimeFix } : {}) }))
  if (story.repairedAfterS !== undefined) {
    await pool.query("UPDATE dealer_alert_events SET time = $2 WHERE alert_id = $1 AND status = 'repaired'", [alert.id, at(story.opened, story.repairedAfterS)])
  }
  return { faultId: seeded.faultId, vehicleId: seeded.vehicleId, alert }
}

const group = (k: ServiceKpis, model: string | null, week: string | null): KpiGroup => {
  const found = k.groups.find((g) => g.model === model && g.week === week)
  if (found === undefined) throw new Error(`no group ${String(model)} ${String(week)} in ${JSON.stringify(k.groups.map((g) => [g.model, g.week]))}`)
  return found
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    await storage.dealers.add({ id: 'north', name: 'Werkstatt Nord', ...PLACES.berlin })
    await storage.dealers.add({ id: 'south', name: 'Autohaus Süd', ...PLACES.munich })

    // model-a, week 10: fixed, and the data agrees
    const a1 = await fault(storage, { model: 'model-a', opened: '2026-03-02T08:00:00Z', dealerId: 'north', repairedAfterS: DAY_S, firstTimeFix: true })
    // it came and went before the repair: that is the fault the workshop fixed, not a return
    await pool.query("INSERT INTO fault_events (fault_id, time, type) VALUES ($1, $2, 'reoccurred')", [a1.faultId, at('2026-03-02T20:00:00Z')])
    // model-a, week 10: flagged fixed, but the fault reoccurred 15 days after the repair (inside 30)
    const a2 = await fault(storage, { model: 'model-a', opened: '2026-03-03T08:00:00Z', dealerId: 'north', repairedAfterS: 2 * DAY_S, firstTimeFix: true })
    await pool.query("INSERT INTO fault_events (fault_id, time, type) VALUES ($1, $2, 'reoccurred')", [a2.faultId, at('2026-03-20T08:00:00Z')])
    // model-b, week 11: flagged not fixed; the same rule opened a new fault on the vehicle 38 days after the repair (outside 30)
    const a3 = await fault(storage, { model: 'model-b', opened: '2026-03-10T08:00:00Z', dealerId: 'south', repairedAfterS: 3 * DAY_S, firstTimeFix: false })
    const f3 = await storage.faults.resolve(a3.faultId, 'eva', 'replaced the fan')
    await storage.faults.record([{
      type: 'opened', vehicleId: a3.vehicleId, ruleId: f3.ruleId, ruleVersion: f3.ruleVersion, severity: 'major',
      timeUs: Date.parse('2026-04-20T08:00:00Z') * 1000, occurrences: 1, evidence: []
    }])
    // model-b, week 11: repaired five days before now: its window is still running
    const a4 = await fault(storage, { model: 'model-b', opened: '2026-03-11T08:00:00Z', dealerId: 'south', repairedAfterS: (NOW.getTime() - Date.parse('2026-03-11T08:00:00Z')) / 1000 - 5 * DAY_S, firstTimeFix: true })
    // model-a, week 11: no alert; a confirmed remote fix cleared it an hour after it opened
    const a5 = await fault(storage, { model: 'model-a', opened: '2026-03-12T08:00:00Z' })
    await pool.query("UPDATE faults SET state = 'auto_cleared', cleared_at = $2 WHERE id = $1", [a5.faultId, at('2026-03-12T09:00:00Z')])
    await pool.query("INSERT INTO fault_events (fault_id, time, type, detail) VALUES ($1, $2, 'fixed_remotely', jsonb_build_object('commandId', 1, 'clearedAt', $3::timestamptz))",
      [a5.faultId, at('2026-03-12T09:30:00Z'), at('2026-03-12T09:00:00Z')])
    // model-b, week 11: parts staged, not repaired yet
    const a6 = await fault(storage, { model: 'model-b', opened: '2026-03-12T10:00:00Z', dealerId: 'south', stopsAt: 'parts_staged' })
    // December, outside March: a Tuesday in ISO week 1 of 2026, which starts in 2025
    await fault(storage, { model: 'model-c', opened: '2025-12-30T23:30:00Z' })

    const alertOf = (f: { alert?: DealerAlert }): DealerAlert => f.alert as DealerAlert
    const answer = async (f: { alert?: DealerAlert }, dealerId: string | null, given: { csi?: number, recommend?: number, comment?: string }, by = 'Werkstatt'): Promise<{ created: boolean }> => {
      const valid = surveyAnswer({ ...given, by, answeredAt: at('2026-04-02T10:00:00Z') }, NOW)
      const id = alertOf(f).id
      return surveyOutcome(await storage.surveys.record(id, valid, dealerId), valid, () => unknownAlert(id, dealerId))
    }

    t.test('survey answers: once per repaired alert, a retry accepted, a correction, an early one and another dealer\'s refused', async (t) => {
      t.match(await answer(a1, 'north', { csi: 5, recommend: 10, comment: 'Parts were there when I arrived.' }), { created: true }, 'the dealer records its customer\'s answer')
      t.match(await answer(a1, 'north', { csi: 5, recommend: 10, comment: 'Parts were there when I arrived.' }), { created: false }, 'the same answer again is a retry')
      await t.rejects(answer(a1, null, { csi: 4, recommend: 10 }, 'eva'), { code: 'PITWALL_ERR_SURVEY_ANSWERED', message: /alert \d+ has a survey answer already \(csi 5, recommend 10, recorded by Werkstatt/ },
        'an answer is not corrected, not even by an engineer')
      await t.rejects(answer(a6, 'south', { csi: 4 }), { code: 'PITWALL_ERR_SURVEY_TOO_EARLY', message: /is parts staged: a survey answer is recorded once it is repaired or closed/ })
      await t.rejects(answer(a3, 'north', { csi: 4 }), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: /^dealer north has no alert \d+$/ }, 'another dealer\'s alert does not exist for north')
      await t.rejects(storage.surveys.get(alertOf(a2).id, null), { code: 'PITWALL_ERR_SURVEY_UNKNOWN' })
      t.match(await answer(a2, 'north', { csi: 3, recommend: 3 }), { created: true })
      t.match(await answer(a3, null, { csi: 4, recommend: 8 }, 'survey-import'), { created: true }, 'an engineer or operator token records any dealer\'s')
      t.match(await answer(a4, 'south', { recommend: 9 }), { created: true }, 'a customer may skip the CSI question')
      t.match(await storage.surveys.get(alertOf(a4).id, 'south'), { csi: null, recommend: 9, comment: null, recordedBy: 'Werkstatt', answeredAt: at('2026-04-02T10:00:00Z') })
      await t.rejects(storage.surveys.get(alertOf(a4).id, 'north'), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN' })
    })

    t.test('the period: verified first-time fix beside the flag, back on the road, CSI and NPS', async (t) => {
      const k = await storage.kpis.serviceKpis(MARCH)
      t.equal(k.ftfWindowDays, 30)
      t.same(k.firstTimeFix, { count: 4, hits: 3, rate: 0.75 }, 'the dealers flagged three of four repairs as first-time fixes')
      t.same(k.verifiedFirstTimeFix, { count: 3, hits: 2, rate: 2 / 3, pending: 1, disagreements: 2, flaggedButReoccurred: 1 },
        'a1 held, a2 came back inside the window, a3 only after it; a4 pending; a2 and a3 disagree with their flags')
      t.same(k.downtime, { count: 4, meanS: 2_098_800, p50S: 216_000, p90S: 5_591_520 }, 'repairs after 1, 2, 3 and 91 days 4 hours')
      t.same(k.backOnRoad, { count: 5, meanS: 1_679_760, p50S: 172_800, p90S: 4_829_760, remote: 1 }, 'and the remote fix an hour after its fault opened')
      t.same(k.csi, { count: 3, mean: 4 }, '5, 3 and 4; a4 skipped the question')
      t.same(k.nps, { count: 4, promoters: 2, passives: 1, detractors: 1, score: 25 }, '10, 3, 8 and 9')
      t.same(k.fixedRemotely, { count: 2, hits: 1, rate: 0.5 }, 'of the ended faults (a3 resolved, a5 cleared), one by a remote fix')
      t.same(k.groupBy, [])
      t.same(k.groups, [])
    })

    t.test('per model', async (t) => {
      const k = await storage.kpis.serviceKpis({ ...MARCH, groupBy: ['model'] })
      t.same(k.groups.map((g) => [g.model, g.week, g.weekStart]), [['model-a', null, null], ['model-b', null, null]])
      const a = group(k, 'model-a', null)
      const b = group(k, 'model-b', null)
      t.same([a.firstTimeFix, b.firstTimeFix], [{ count: 2, hits: 2, rate: 1 }, { count: 2, hits: 1, rate: 0.5 }])
      t.same(a.verifiedFirstTimeFix, { count: 2, hits: 1, rate: 0.5, pending: 0, disagreements: 1, flaggedButReoccurred: 1 })
      t.same(b.verifiedFirstTimeFix, { count: 1, hits: 1, rate: 1, pending: 1, disagreements: 1, flaggedButReoccurred: 0 })
      t.same(a.backOnRoad, { count: 3, meanS: 87_600, p50S: 86_400, p90S: 155_520, remote: 1 })
      t.same(b.backOnRoad, { count: 2, meanS: 4_068_000, p50S: 4_068_000, p90S: 7_115_040, remote: 0 })
      t.same([a.csi, b.csi], [{ count: 2, mean: 4 }, { count: 1, mean: 4 }])
      t.same([a.nps, b.nps], [{ count: 2, promoters: 1, passives: 0, detractors: 1, score: 0 }, { count: 2, promoters: 1, passives: 1, detractors: 0, score: 50 }])
      t.same(k.verifiedFirstTimeFix, { count: 3, hits: 2, rate: 2 / 3, pending: 1, disagreements: 2, flaggedButReoccurred: 1 }, 'the period\'s figures come with the groups')
    })

    t.test('per ISO week (UTC), and per model and week', async (t) => {
      const weeks = await storage.kpis.serviceKpis({ ...MARCH, groupBy: ['week'] })
      t.same(weeks.groups.map((g) => [g.model, g.week, g.weekStart]), [[null, '2026-W10', at('2026-03-02T00:00:00Z')], [null, '2026-W11', at('2026-03-09T00:00:00Z')]])
      const w10 = group(weeks, null, '2026-W10')
      const w11 = group(weeks, null, '2026-W11')
      t.same([w10.verifiedFirstTimeFix.hits, w10.verifiedFirstTimeFix.count, w11.verifiedFirstTimeFix.hits, w11.verifiedFirstTimeFix.count, w11.verifiedFirstTimeFix.pending], [1, 2, 1, 1, 1])
      t.same([w10.backOnRoad.p50S, w11.backOnRoad.p50S, w11.backOnRoad.remote], [129_600, 259_200, 1])
      t.same([w10.nps.score, w11.nps.score, w10.csi.mean, w11.csi.mean], [0, 50, 4, 4])
      t.same(w11.alertToPartsStaged.count, 1, 'a6 staged its parts in week 11')

      const both = await storage.kpis.serviceKpis({ ...MARCH, groupBy: ['model', 'week'] })
      t.same(both.groups.map((g) => [g.model, g.week]), [['model-a', '2026-W10'], ['model-a', '2026-W11'], ['model-b', '2026-W11']])
      t.same(group(both, 'model-a', '2026-W11').backOnRoad, { count: 1, meanS: 3600, p50S: 3600, p90S: 3600, remote: 1 }, 'the remote fix alone')
      t.same(group(both, 'model-a', '2026-W11').firstTimeFix, { count: 0, hits: 0, rate: null }, 'a group without alerts has no rates, not zero ones')
      t.same(group(both, 'model-b', '2026-W11').nps.score, 50)

      const newYear = await storage.kpis.serviceKpis({ ...MARCH, from: at('2025-12-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z'), groupBy: ['week'] })
      t.same(newYear.groups.map((g) => [g.week, g.weekStart]), [['2026-W01', at('2025-12-29T00:00:00Z')]], 'the ISO week and its Monday across the year, in UTC')
    })

    t.test('a pending window is decided once it has passed, and a shorter window decides differently', async (t) => {
      const later = await storage.kpis.serviceKpis({ ...MARCH, now: at('2026-07-11T12:00:00Z') })
      t.same(later.verifiedFirstTimeFix, { count: 4, hits: 3, rate: 0.75, pending: 0, disagreements: 2, flaggedButReoccurred: 1 }, 'a4 held for its 30 days')
      const week = await storage.kpis.serviceKpis({ ...MARCH, ftfWindowDays: 7 })
      t.same(week.verifiedFirstTimeFix, { count: 3, hits: 3, rate: 1, pending: 1, disagreements: 1, flaggedButReoccurred: 0 }, 'a2 came back after 15 days: outside a 7-day window')
      t.equal(week.ftfWindowDays, 7)
    })

    t.test('a dealer\'s KPIs cover its own alerts only', async (t) => {
      const k = await storage.kpis.serviceKpis({ ...MARCH, dealerId: 'north', groupBy: ['model'] })
      t.same(k.verifiedFirstTimeFix, { count: 2, hits: 1, rate: 0.5, pending: 0, disagreements: 1, flaggedButReoccurred: 1 })
      t.same(k.backOnRoad, { count: 2, meanS: 129_600, p50S: 129_600, p90S: 164_160, remote: 0 }, 'not the fleet\'s remote fix')
      t.same(k.nps, { count: 2, promoters: 1, passives: 0, detractors: 1, score: 0 })
      t.same(k.groups.map((g) => g.model), ['model-a'], 'no group from another dealer\'s alerts')
      t.same([k.fixedRemotely, k.otaSuccess, k.groups[0]?.otaSuccess], [null, null, null])
    })
  })
}
