/** Which period KPIs cover, without a database: the default window, and a period that is not one refused. */
import t from 'tap'
import { DEFAULT_KPI_WINDOW_MS } from '../../../actions/kpis/model.js'
import { kpiPeriod } from '../../../actions/kpis/policy.js'

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
