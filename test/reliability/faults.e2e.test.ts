/**
 * The fault-injection scenarios (bench/reliability/scenarios.ts) in their
 * quick plan: real mqtt.js vehicles with persistent sessions publish QoS 1
 * batches to `pitwall start` processes while the gateway is killed, one of
 * two nodes is killed, PostgreSQL is stopped and started again, and the
 * batches table is held locked. Whatever happens, no acknowledged batch is
 * missing, no decoded row is stored twice, and every batch the vehicles
 * made is acknowledged once the fault is over. `npm run reliability` runs
 * them with more load and writes docs/RELIABILITY.md.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { PLANS, runScenario, SCENARIOS } from '../../bench/reliability/scenarios.js'
import { postgresReachable, SKIP_POSTGRES, TEST_DATABASE_ADMIN_URL } from '../helpers/backends.js'
import { redisReachable, SKIP_REDIS, TEST_REDIS_URL } from '../helpers/redis.js'

const pgUp = await postgresReachable()
const redisUp = await redisReachable()
const initdb = spawnSync('initdb', ['--version'], { stdio: 'ignore' }).status === 0

for (const name of SCENARIOS) {
  const skip = !pgUp
    ? SKIP_POSTGRES
    : name === 'node-killed' && !redisUp
      ? SKIP_REDIS
      : name === 'database-stopped' && !initdb ? 'no initdb to start a private PostgreSQL with' : false
  t.test(name, { skip, timeout: 180_000 }, async (t) => {
    const r = await runScenario(name, PLANS.quick, TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL)
    t.ok(r.acknowledged > 0, `${r.acknowledged} of ${r.made} batches acknowledged`)
    t.equal(r.lost, 0, 'no acknowledged batch is missing')
    t.equal(r.duplicated, 0, 'no decoded row is stored twice')
    t.equal(r.unacknowledged, 0, 'every batch made was acknowledged after the fault')
    t.equal(r.stored, r.made, 'and each is stored once')
    t.not(r.recoveredS, undefined, `back to normal ${r.recoveredS?.toFixed(1) ?? '-'} s after the fault was over; a vehicle waited at most ${r.longestGapS.toFixed(1)} s for a PUBACK`)
  })
}
