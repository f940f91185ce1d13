/** The scale-out section's figures and text (bench/scaling/scale-out-report.ts), from a made-up result. */
import t from 'tap'
import type { StepResult } from '../../../bench/e2e/throughput-model.js'
import { cpuPerThousandBatches, maxAgainstOneNode, renderScaleOut } from '../../../bench/scaling/scale-out-report.js'
import type { ConfigurationResult, ScaleOutResult } from '../../../bench/scaling/scale-out.js'

const step = (over: Partial<StepResult>): StepResult => ({
  qos: 1, offeredPerS: 1000, sentPerS: 1000, acceptedPerS: 1000, errors: 0, pendingAfterDrain: 0, generatorCpuPct: 50, sendLagP99Ms: 1, passed: true, cappedByGenerator: false, ...over
})

const config = (label: string, nodes: number, redis: boolean, maxQos1PerS: number, common: Partial<StepResult>): ConfigurationResult => ({
  label, nodes, redis, search: [step({ offeredPerS: 500, passed: maxQos1PerS > 0 })], maxQos1PerS, maxCappedByGenerator: false, maxIsLowerBound: false,
  elapsedS: 20, common: step(common), vehiclesPerNode: Array.from({ length: nodes }, (_, i) => Math.floor(200 / nodes) + (i < 200 % nodes ? 1 : 0))
})

const one = config('1 node, no Redis', 1, false, 2000, { targetCpuPct: 20, databaseCpuPct: 30 })
const three = config('3 nodes + Redis', 3, true, 1500, { targetCpuPct: 45, databaseCpuPct: 30, redisCpuPct: 1 })

t.test('CPU per 1,000 batches adds the gateways, PostgreSQL and Redis', async (t) => {
  // 20 % of a core at 1,000 batches/s is 0.2 ms a batch, 200 ms per 1,000
  t.same(cpuPerThousandBatches(one.common), { gateways: 200, database: 300, total: 500 })
  t.same(cpuPerThousandBatches(three.common), { gateways: 450, database: 300, redis: 10, total: 760 })
})

t.test('the maximum against one node, for the cluster and per node', async (t) => {
  t.same(maxAgainstOneNode(three, one), { cluster: 0.75, perNode: 0.25 })
  const none = config('2 nodes + Redis', 2, true, 0, {})
  t.same(maxAgainstOneNode(none, one), {}, 'no step passed: no ratio, rather than 0×')
})

t.test('the section says extra nodes show overhead, not capacity, and renders a failed part', async (t) => {
  const r: ScaleOutResult = {
    mode: 'quick', cores: 2, vehicles: 200, workers: 2, canFramesPerBatch: 210, payloadBytes: 3353, rules: 6,
    plan: { warmupMs: 250, measureMs: 800, ladder: [500, 2000], commonMs: 800, repeats: 1 },
    generator: { qos0PerS: 20000, qos1PerS: 15000 },
    commonLoadPerS: 1000,
    redis: 'a redis-server',
    configurations: [one, { label: '1 node + Redis', nodes: 1, redis: true, error: 'pitwall start exited with 1 before listening', elapsedS: 3 }, three],
    connections: { error: 'not listening' },
    notes: [],
    elapsedS: 60
  }
  const text = renderScaleOut(r)
  t.match(text, 'On 2 shared cores extra nodes show overhead, not capacity')
  t.match(text, '| 3 nodes + Redis | 67 / 67 / 66 | 1,500 | 0.75× | 0.25× |')
  t.match(text, '| 1 node + Redis | failed: pitwall start exited with 1 before listening |')
  t.match(text, 'Failed: not listening')
})
