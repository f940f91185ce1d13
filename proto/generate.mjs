// Regenerates proto/gen/pitwall.{js,d.ts} from the .proto files.
// `node proto/generate.mjs` writes them; `node proto/generate.mjs --out DIR`
// writes elsewhere (the drift test compares the two).
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const outIdx = process.argv.indexOf('--out')
const outDir = outIdx > 0 ? resolve(process.argv[outIdx + 1]) : join(here, 'gen')
mkdirSync(outDir, { recursive: true })
const bin = join(here, '..', 'node_modules', '.bin')
const js = join(outDir, 'pitwall.js')
// --force-number: uint64 fields (seq, base_time_us) stay below 2^53, so plain
// numbers spare every decode a Long allocation.
execFileSync(join(bin, 'pbjs'), [
  '-t', 'static-module', '-w', 'es6', '--es6', '--force-number', '--no-beautify',
  '-o', js, join(here, 'telemetry.proto'), join(here, 'command.proto')
], { stdio: 'inherit' })
execFileSync(join(bin, 'pbts'), ['--no-comments', '-o', join(outDir, 'pitwall.d.ts'), js], { stdio: 'inherit' })
