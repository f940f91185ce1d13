/**
 * What KPIs are computed over and what a survey answer may say, without a
 * database: the default window and a period that is not one refused, the
 * grouping and its caps, the first-time fix window, and survey
 * answers with what recording one comes to.
 */
import t from 'tap'
import { DEFAULT_KPI_WINDOW_MS } from '../../../actions/kpis/model.js'
import { ftfWindowDays, kpiGrouping, kpiPeriod, surveyAnswer, surveyOutcome } from '../../../actions/kpis/policy.js'
import { loadConfig } from '../../../gateway/config.js'
import { PitwallError } from '../../../runtime/errors.js'

const NOW = new Date('2026-05-01T08:00:00Z')
const period = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') }

t.test('what is not given is the 30 days up to now, or up to `to`', async (t) => {
  t.same(kpiPeriod({}, NOW), { from: new Date(NOW.getTime() - DEFAULT_KPI_WINDOW_MS), to: NOW })
  t.same(kpiPeriod({ to: period.to }, NOW), { from: new Date('2026-03-02T00:00:00Z'), to: period.to })
  t.same(kpiPeriod({ from: period.from }, NOW), { from: period.from, to: NOW })
  t.same(kpiPeriod(period, NOW), period)
})

t.test('a period that is not one is refused', async (t) => {
  t.throws(() => kpiPeriod({ from: period.to, to: period.from }), { code: 'PITWALL_ERR_KPI_QUERY', message: /from before to/ })
  t.throws(() => kpiPeriod({ from: new Date('nope'), to: period.to }), { code: 'PITWALL_ERR_KPI_QUERY' })
  t.throws(() => kpiPeriod({ from: period.from, to: period.from }), { code: 'PITWALL_ERR_KPI_QUERY', message: /from before to/ }, 'an empty period')
  t.throws(() => kpiPeriod({ from: NOW }, NOW), { code: 'PITWALL_ERR_KPI_QUERY' }, 'a start at or after now with no end')
})

t.test('groups: model, week or both, in one order; weeks over more than two years refused', async (t) => {
  t.same(kpiGrouping([], period, 'groupBy'), [])
  t.same(kpiGrouping(['week', 'model', 'week'], period, 'groupBy'), ['model', 'week'])
  t.throws(() => kpiGrouping(['dealer'], period, '--by'), { code: 'PITWALL_ERR_KPI_QUERY', message: '--by "dealer" is not one of model, week' })
  const years = { from: new Date('2023-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') }
  t.same(kpiGrouping(['model'], years, 'groupBy'), ['model'], 'models over any period')
  t.throws(() => kpiGrouping(['week'], years, 'groupBy'), { code: 'PITWALL_ERR_KPI_QUERY', message: 'groupBy week over 1096.0 days: a period grouped by week spans at most 731 days' })
})

t.test('the first-time fix window: 30 days unless set, 1 to 365, PITWALL_FTF_WINDOW_DAYS the same', async (t) => {
  t.equal(ftfWindowDays(undefined, '--ftf-window-days'), 30)
  t.equal(ftfWindowDays(90, '--ftf-window-days'), 90)
  for (const bad of [0, 366, 1.5]) t.throws(() => ftfWindowDays(bad, '--ftf-window-days'), { code: 'PITWALL_ERR_KPI_QUERY', message: /--ftf-window-days must be a whole number of days from 1 to 365/ })
  t.equal(loadConfig({}).ftfWindowDays, 30)
  t.equal(loadConfig({ PITWALL_FTF_WINDOW_DAYS: '45' }).ftfWindowDays, 45)
  t.throws(() => loadConfig({ PITWALL_FTF_WINDOW_DAYS: '0' }), { code: 'PITWALL_ERR_CONFIG', message: /ftfWindowDays \(PITWALL_FTF_WINDOW_DAYS\)/ })
})

t.test('a survey answer: a score on its scale at least, a comment trimmed, not from the future', async (t) => {
  const answeredAt = new Date('2026-04-30T18:00:00Z')
  t.same(surveyAnswer({ csi: 4, recommend: 9, comment: '  quick  ', answeredAt, by: ' Werkstatt ' }, NOW), { csi: 4, recommend: 9, comment: 'quick', answeredAt, recordedBy: 'Werkstatt' })
  t.same(surveyAnswer({ recommend: 0, comment: ' ', by: 'ops' }, NOW), { csi: null, recommend: 0, comment: null, answeredAt: NOW, recordedBy: 'ops' }, 'csi skipped; an empty comment is none; answered now')
  const refused: Array<[Parameters<typeof surveyAnswer>[0], RegExp]> = [
    [{ by: 'x' }, /give csi \(1-5\), recommend \(0-10\) or both/],
    [{ csi: 0, by: 'x' }, /csi must be a whole number from 1 to 5, got 0/],
    [{ csi: 4.5, by: 'x' }, /csi must be a whole number from 1 to 5, got 4.5/],
    [{ recommend: 11, by: 'x' }, /recommend must be a whole number from 0 to 10, got 11/],
    [{ csi: 3, comment: 'x'.repeat(2001), by: 'x' }, /comment is 2001 characters; at most 2000/],
    [{ csi: 3, answeredAt: new Date('2026-05-01T09:00:00Z'), by: 'x' }, /answeredAt 2026-05-01T09:00:00.000Z is in the future/],
    [{ csi: 3, by: ' ' }, /by is empty/]
  ]
  for (const [input, message] of refused) t.throws(() => surveyAnswer(input, NOW), { code: 'PITWALL_ERR_SURVEY_INVALID', message })
  t.ok(surveyAnswer({ csi: 3, answeredAt: new Date(NOW.getTime() + 60_000), by: 'x' }, NOW), 'a survey tool a minute ahead is not refused')
})

t.test('recording an answer: stored now, the same one before (a retry), or refused', async (t) => {
  const given = surveyAnswer({ csi: 4, recommend: 9, by: 'Werkstatt' }, NOW)
  const stored = { alertId: 7, ...given, recordedAt: NOW }
  const unknown = (): PitwallError => new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', 'no alert 7')
  t.same(surveyOutcome({ alertId: 7, status: 'repaired', prior: null, inserted: stored }, given, unknown), { survey: stored, created: true })
  t.same(surveyOutcome({ alertId: 7, status: 'closed', prior: stored, inserted: null }, given, unknown), { survey: stored, created: false })
  t.throws(() => surveyOutcome({ alertId: 7, status: 'closed', prior: { ...stored, recommend: 10 }, inserted: null }, given, unknown),
    { code: 'PITWALL_ERR_SURVEY_ANSWERED', message: /alert 7 has a survey answer already \(csi 4, recommend 10, recorded by Werkstatt at 2026-05-01T08:00:00.000Z\); answers are not corrected/ })
  t.throws(() => surveyOutcome({ alertId: 7, status: 'appointment_booked', prior: null, inserted: null }, given, unknown),
    { code: 'PITWALL_ERR_SURVEY_TOO_EARLY', message: 'alert 7 is appointment booked: a survey answer is recorded once it is repaired or closed' })
  t.throws(() => surveyOutcome({ alertId: 7, status: null, prior: null, inserted: null }, given, unknown), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN' })
})
