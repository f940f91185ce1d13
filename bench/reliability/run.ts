/**
 * `npm run reliability [-- --quick] [-- --only gateway-sigkill,...]`: the
 * fault-injection scenarios (./scenarios.ts) one after another, then
 * docs/RELIABILITY.md and bench/reliability/results.json written from
 * their figures, as npm run bench writes bench/RESULTS.md. Full mode takes
 * about 6 minutes on 2 cores.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describeMachine } from '../machine.js'
import { renderReliability } from './report.js'
import { PLANS, runScenario, SCENARIOS, type ScenarioName, type ScenarioResult } from './scenarios.js'

const quick = process.argv.includes('--quick')
const onlyArg = process.argv[process.argv.indexOf('--only') + 1]
const only = process.argv.includes('--only') && onlyArg !== undefined ? new Set(onlyArg.split(',')) : undefined
const pgUrl = process.env.PITWALL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const redisUrl = process.env.PITWALL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const log = (s: string): void => { process.stderr.write(`reliability: ${s}\n`) }

const plan = PLANS[quick ? 'quick' : 'full']
const startedAt = new Date()
const results: ScenarioResult[] = []
for (const name of SCENARIOS) {
  if (only !== undefined && !only.has(name)) continue
  log(`${name}...`)
  results.push(await runScenario(name as ScenarioName, plan, pgUrl, redisUrl, log))
}
const report = { startedAt: startedAt.toISOString(), mode: quick ? 'quick' : 'full', machine: describeMachine(), plan, results }
const doc = fileURLToPath(new URL('../../../docs/RELIABILITY.md', import.meta.url))
writeFileSync(doc, renderReliability(report))
writeFileSync(fileURLToPath(new URL('../../../bench/reliability/results.json', import.meta.url)), JSON.stringify(report, null, 2) + '\n')
log(`wrote ${doc}`)
