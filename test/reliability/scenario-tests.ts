/**
 * The fault-injection scenarios (bench/reliability/scenarios.ts) as tests,
 * in their quick plan: real mqtt.js vehicles with persistent sessions
 * publish QoS 1 batches to `pitwall start` processes, and run the commands
 * an engineer issues through the API meanwhile, while a fault is injected.
 * Whatever happens, no acknowledged batch is missing, no decoded row is
 * stored twice, every batch the vehicles made is acknowledged once the
 * fault is over, every command the API accepted succeeds and runs once, and
 * every dealer alert reaches its dealer. `npm run reliability` runs them
 * with more load and writes docs/RELIABILITY.md. The scenarios are split
 * over a few test files (each under the per-file timeout), two at a time
 * in each: they are mostly waiting on the faults, leases and backoffs.
 */
import { spawnSync } from 'node:child_process'
import type { Test } from 'tap'
import { PLANS, runScenario, type ScenarioName } from '../../bench/reliability/scenarios.js'
import { postgresReachable, SKIP_POSTGRES, TEST_DATABASE_ADMIN_URL } from '../helpers/backends.js'
import { redisReachable, redisServerInstalled, SKIP_REDIS, SKIP_REDIS_SERVER, TEST_REDIS_URL } from '../helpers/redis.js'

const pgUp = await postgresReachable()
const redisUp = await redisReachable()
const initdb = spawnSync('initdb', ['--version'], { stdio: 'ignore' }).status === 0

export function testScenarios (t: Test, names: readonly ScenarioName[]): void {
  t.jobs = 2
  for (const name of names) {
    const skip = !pgUp
      ? SKIP_POSTGRES
      : name === 'node-killed' && !redisUp
        ? SKIP_REDIS
        : name === 'redis-restarted' && !redisServerInstalled()
          ? SKIP_REDIS_SERVER
          : name === 'database-stopped' && !initdb ? 'no initdb to start a private PostgreSQL with' : false
    t.test(name, { skip }, async (t) => {
      const r = await runScenario(name, PLANS.quick, TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL)
      t.ok(r.acknowledged > 0, `${r.acknowledged} of ${r.made} batches acknowledged`)
      t.equal(r.lost, 0, 'no acknowledged batch is missing')
      t.equal(r.duplicated, 0, 'no decoded row is stored twice')
      t.equal(r.unacknowledged, 0, 'every batch made was acknowledged after the fault')
      t.equal(r.stored, r.made, 'and each is stored once')
      t.not(r.recoveredS, undefined, `back to normal ${r.recoveredS?.toFixed(1) ?? '-'} s after the fault was over; a vehicle waited at most ${r.longestGapS.toFixed(1)} s for a PUBACK`)

      const c = r.commands
      t.ok(c.issued > 0, `${c.issued} commands accepted by the API, ${c.refused} refused with an error`)
      t.equal(c.notFinished + c.endedOtherwise, 0, 'every command accepted succeeded')
      t.equal(c.delivered, c.issued, 'each reached its vehicle')
      t.equal(c.ranTwice, 0, 'none ran twice')
      if (name !== 'database-stopped' && name !== 'gateway-sigkill' && name !== 'node-killed') t.equal(c.refused + c.unanswered, 0, 'with the database and a node up, the API refused none')

      const d = r.dealers
      if (d === undefined) return
      t.equal(d.faulted.alerts + d.well.alerts, PLANS.quick.vehicles, 'one alert per vehicle')
      t.same([d.faulted.delivered, d.well.delivered], [d.faulted.alerts, d.well.alerts], 'every alert delivered to its dealer, the faulted one\'s once it was back')
      t.equal(d.faulted.dead + d.well.dead, 0, 'none given up')
      t.ok(d.well.longestS < PLANS.quick.outageMs / 1000, `the well dealer's alerts did not wait out the other's fault (longest ${d.well.longestS.toFixed(1)} s)`)
      // its breaker waits as long as the outage (PITWALL_WEBHOOK_BREAKER_RESET_MS), not the default 30 s
      t.ok(d.faultedCaughtUpS !== undefined && d.faultedCaughtUpS < 10, `the faulted dealer caught up ${d.faultedCaughtUpS?.toFixed(1) ?? '-'} s after its endpoint was back`)
    })
  }
}
