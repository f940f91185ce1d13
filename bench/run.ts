/**
 * `npm run bench [-- --quick]`: runs the benchmarks and writes
 * bench/results.json (every figure) and bench/RESULTS.md (generated from it;
 * never edit it by hand). Runs the compiled code, as production does.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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
const results = { machine, mode: quick ? 'quick' : 'full', options, decode, rules }
writeFileSync(outDir + 'results.json', JSON.stringify(results, null, 2) + '\n')
writeFileSync(outDir + 'RESULTS.md', renderResults(results))
process.stderr.write(`bench: wrote ${outDir}RESULTS.md and results.json\n`)
