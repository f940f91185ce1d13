/**
 * `npm run bench [-- --quick]`: runs the benchmarks and writes
 * bench/results.json (every figure) and bench/RESULTS.md (generated from it;
 * never edit it by hand). Runs the compiled code, as production does.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runFaultLatency } from './e2e/fault-latency.js'
import { describeMachine } from './machine.js'
import { runDecodeBench } from './micro/decode.js'
import { runRuleBench } from './micro/rules.js'
import { renderResults } from './report.js'

const quick = process.argv.includes('--quick')
const options = quick ? { rounds: 3, roundMs: 300, warmupMs: 300 } : { rounds: 9, roundMs: 1000, warmupMs: 1000 }
// results go beside the sources, not into dist/
const outDir = fileURLToPath(new URL('../../bench/', import.meta.url))

const machine = describeMachine()
process.stderr.write(`bench: ${quick ? 'quick' : 'full'} run on ${machine.cpu} x${machine.cores}, Node ${machine.node}\n`)
const decode = await runDecodeBench(options)
const rules = await runRuleBench(options)
// PostgreSQL when reachable (PITWALL_BENCH_PG_URL, default the local test database), and the embedded default
const pgUrl = process.env.PITWALL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const latencyLoad = quick ? { vehicles: 20, rateHz: 10, durationS: 5 } : { vehicles: 50, rateHz: 10, durationS: 30 }
const faultLatency = [await runFaultLatency({ ...latencyLoad })]
try {
  faultLatency.push(await runFaultLatency({ ...latencyLoad, databaseUrl: pgUrl }))
} catch (err) {
  process.stderr.write(`bench: publish -> fault on PostgreSQL skipped (${(err as Error).message})\n`)
}
const results = { machine, mode: quick ? 'quick' : 'full', options, decode, rules, faultLatency }
writeFileSync(outDir + 'results.json', JSON.stringify(results, null, 2) + '\n')
writeFileSync(outDir + 'RESULTS.md', renderResults(results))
process.stderr.write(`bench: wrote ${outDir}RESULTS.md and results.json\n`)
