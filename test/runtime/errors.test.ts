/**
 * The error table is the contract: every code the source raises or compares
 * is in it, every row is still raised somewhere, and Pitwall's errors all
 * share the one base (as fastify's test/internals/errors.test.js checks its
 * FST_ERR_* codes).
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ERRORS, exitCodeOf, isPitwallError, PitwallError, type ErrorCode } from '../../runtime/errors.js'
import { StorageError } from '../../storage/errors.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SOURCE_FOLDERS = ['gateway', 'decoders', 'rules', 'actions', 'storage', 'proto', 'runtime', 'sim']

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'gen' ? [] : sourceFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

const files = SOURCE_FOLDERS.flatMap((f) => sourceFiles(join(ROOT, f))).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }))

t.test('every code the source names is in the table', async (t) => {
  const unknown: string[] = []
  for (const { path, text } of files) {
    for (const [, code] of text.matchAll(/['"`](PITWALL_ERR_[A-Z0-9_]+)['"`]/g)) {
      if (!(code as string in ERRORS)) unknown.push(`${path}: ${code as string}`)
    }
  }
  t.same(unknown, [], 'codes missing from runtime/errors.ts')
})

t.test('every code in the table is raised or answered somewhere', async (t) => {
  const named = new Set<string>()
  for (const { path, text } of files) {
    if (path === join('runtime', 'errors.ts')) continue
    for (const [, code] of text.matchAll(/(PITWALL_ERR_[A-Z0-9_]+)/g)) named.add(code as string)
  }
  t.same(Object.keys(ERRORS).filter((code) => !named.has(code)), [], 'rows no code path uses')
})

t.test('each code has an HTTP status a client can act on and says what it means', async (t) => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    t.ok(spec.status >= 400 && spec.status <= 599, `${code}: status ${spec.status}`)
    t.ok(spec.means.length > 10, `${code} says what it means`)
  }
})

t.test('no error class outside the one base', async (t) => {
  const own: string[] = []
  for (const { path, text } of files) {
    for (const [, name] of text.matchAll(/class (\w+) extends Error\b/g)) {
      if (path !== join('runtime', 'errors.ts')) own.push(`${path}: ${name as string}`)
    }
  }
  t.same(own, [], 'classes that extend Error instead of PitwallError')
})

t.test('an error carries its code, name and status; the CLI exit says whether to retry', async (t) => {
  const refused = new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', 'vehicle WVW… is not registered')
  t.equal(refused.status, 404)
  t.equal(refused.statusCode, 404, 'fastify reads statusCode')
  t.equal(refused.name, 'PitwallError')
  t.ok(isPitwallError(refused, 'PITWALL_ERR_VEHICLE_UNKNOWN'))
  t.notOk(isPitwallError(refused, 'PITWALL_ERR_CASE_UNKNOWN'))
  t.notOk(isPitwallError(new Error('x')))
  const down = new StorageError('PITWALL_ERR_STORAGE_UNAVAILABLE', 'down', { cause: new Error('ECONNREFUSED') })
  t.equal(down.name, 'StorageError', 'a subclass is named for itself')
  t.ok(down instanceof PitwallError)
  t.equal(exitCodeOf(down), 75, 'EX_TEMPFAIL: try again')
  t.equal(exitCodeOf(refused), 1)
  t.equal(exitCodeOf(new Error('plain')), 1)
  const code: ErrorCode = 'PITWALL_ERR_BAD_REQUEST'
  t.equal(ERRORS[code].status, 400)
})
