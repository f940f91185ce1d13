/**
 * A new embedded database starts from a template of a freshly initialised
 * one, kept in the user's cache directory. Whatever that file holds becomes
 * the new database, so these tests plant a template holding a marker table
 * and watch whether a new database has it: used when the file is the
 * user's own and whole; never when it is corrupt, of another PGlite, open
 * to others, another user's, in a directory others may write, or when
 * PITWALL_EMBEDDED_TEMPLATE=off.
 */
import { PGlite } from '@electric-sql/pglite'
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t, { type Test } from 'tap'
import { openEmbedded } from '../../storage/embedded.js'
import { looseEntries } from '../helpers/loose-files.js'
import { TEMPLATE_SETTING, TemplateCache } from '../../storage/embedded-template.js'

const NOBODY = 65_534
// nine initdb-or-template starts of PGlite's WASM engine: ~80 s on a quiet 2-core machine, past the
// suite's 120 s per file when the machine is busy; the file's own bound, not the suite's
t.setTimeout(300_000)
// on unless a test turns it off, whatever the environment that runs the suite says
process.env[TEMPLATE_SETTING] = 'on'
const SKIP_NOT_ROOT = process.getuid?.() !== 0 ? 'not root, so no file can be given to another user' : false

/** A new directory, removed when `t` ends (a template is 40 MB). */
function tempDir (t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A new cache home: the hosts this test starts keep their template under it. */
function useCacheHome (t: Test): string {
  const home = tempDir(t, 'pitwall-cache-')
  const saved = process.env.XDG_CACHE_HOME
  process.env.XDG_CACHE_HOME = home
  t.teardown(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME
    else process.env.XDG_CACHE_HOME = saved
  })
  return join(home, 'pitwall')
}

function withSetting (t: Test, value: string): void {
  const saved = process.env[TEMPLATE_SETTING]
  process.env[TEMPLATE_SETTING] = value
  t.teardown(() => {
    if (saved === undefined) delete process.env[TEMPLATE_SETTING]
    else process.env[TEMPLATE_SETTING] = saved
  })
}

async function cacheIn (dir: string, warnings: string[] = []): Promise<TemplateCache> {
  const cache = await TemplateCache.open(dir, (message) => warnings.push(message))
  if (cache === undefined) throw new Error(`${dir}: no template cache`)
  return cache
}

/** Whether the cache yields a template (compared as a boolean: tap would print all 40 MB of one) */
async function readsBack (cache: TemplateCache): Promise<boolean> {
  return await cache.read() !== undefined
}

async function withClient<T> (url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

/** The tables a new database has in schema public. */
async function tablesOfNew (dataDir = 'memory://'): Promise<string[]> {
  const server = await openEmbedded(dataDir)
  try {
    return await withClient(server.url, async (c) => (await c.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.name))
  } finally {
    await server.close()
  }
}

// a template that also holds a table named planted, made from the real one by the first test
let planted: Uint8Array

t.test('the first new databases, started at once, make one template, private to the user; the next starts from it, holding nothing of theirs', { timeout: 180_000 }, async (t) => {
  const dir = useCacheHome(t)
  const firsts = await Promise.all([1, 2].map(async () => await openEmbedded('memory://')))
  for (const server of firsts) await withClient(server.url, async (c) => await c.query('CREATE TABLE from_the_first (n int)'))
  for (const server of firsts) await server.close()
  const { path } = await cacheIn(dir)
  t.equal(lstatSync(dir).mode & 0o777, 0o700, 'the cache directory is 0700')
  t.equal(lstatSync(path).mode & 0o777, 0o600, 'the template is 0600')
  t.same(readdirSync(dir), [path.slice(dir.length + 1)], 'one file, no temporary one left')
  const made = statSync(path)

  t.same(await tablesOfNew(), [], 'the next database is new: no table of the first ones')
  const after = statSync(path)
  t.same([after.ino, after.mtimeMs], [made.ino, made.mtimeMs], 'it started from the template, which stayed as it was')

  const tar = await (await cacheIn(dir)).read()
  if (tar === undefined) throw new Error('the template just made does not read back')
  const db = await PGlite.create({ loadDataDir: new Blob([tar]) })
  await db.exec('CREATE TABLE planted (n int)')
  planted = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer())
  await db.close()
})

/** A cache home holding the planted template; its file's path. */
async function plantedIn (t: Test): Promise<string> {
  const cache = await cacheIn(useCacheHome(t))
  await cache.write(planted)
  return cache.path
}

t.test('a data directory started from the template is an ordinary persistent database, its files private', { timeout: 120_000 }, async (t) => {
  await plantedIn(t)
  const parent = tempDir(t, 'pitwall-template-dir-')
  chmodSync(parent, 0o755)
  const dataDir = join(parent, 'data')
  const first = await openEmbedded(dataDir)
  await withClient(first.url, async (c) => {
    t.same((await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows, [{ tablename: 'planted' }], 'the database came from the template')
    await c.query('CREATE TABLE vehicles (vin text)')
    await c.query("INSERT INTO vehicles VALUES ('WDB12345678901234')")
  })
  await first.close()
  t.same(looseEntries(dataDir), [], 'no directory or file in it is open to group or others')
  t.equal(lstatSync(join(dataDir, 'pgdata', 'PG_VERSION')).mode & 0o777, 0o600)
  t.equal(lstatSync(join(dataDir, 'pgdata', 'base')).mode & 0o777, 0o700)

  const again = await openEmbedded(dataDir)
  try {
    const rows = await withClient(again.url, async (c) => (await c.query('SELECT vin FROM vehicles')).rows)
    t.same(rows, [{ vin: 'WDB12345678901234' }], 'what was stored is there after a restart')
  } finally {
    await again.close()
  }
})

t.test('a template that is not whole, or of another PGlite, is not used', async (t) => {
  const cache = await cacheIn(join(tempDir(t, 'pitwall-cache-'), 'pitwall'))
  await cache.write(planted)
  t.equal(await readsBack(cache), true, 'as written it reads back')
  const whole = readFileSync(cache.path)

  const flipped = Buffer.from(whole)
  flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 0x01
  writeFileSync(cache.path, flipped)
  t.equal(await readsBack(cache), false, 'one byte changed')
  writeFileSync(cache.path, whole.subarray(0, whole.length >> 1))
  t.equal(await readsBack(cache), false, 'cut short')
  writeFileSync(cache.path, 'not a template at all')
  t.equal(await readsBack(cache), false, 'something else')
  const header = whole.toString('latin1', 0, whole.indexOf(0x0a))
  writeFileSync(cache.path, Buffer.concat([Buffer.from(header.replace(/pglite=\S+/, 'pglite=0.0.1'), 'latin1'), whole.subarray(header.length)]))
  t.equal(await readsBack(cache), false, 'another PGlite version')
})

t.test('a corrupt template is rebuilt, and the database still starts new', { timeout: 120_000 }, async (t) => {
  const path = await plantedIn(t)
  const bytes = readFileSync(path)
  bytes[bytes.length - 4096] = (bytes[bytes.length - 4096] ?? 0) ^ 0xff
  writeFileSync(path, bytes)
  t.same(await tablesOfNew(), [], 'the corrupt template was not used')
  t.equal(await readsBack(await cacheIn(join(path, '..'))), true, 'a whole template took its place')
})

t.test('a template that others may write, or that another user owns, is not used, and a fresh one replaces it', async (t) => {
  const dir = join(tempDir(t, 'pitwall-cache-'), 'pitwall')
  const warnings: string[] = []
  const cache = await cacheIn(dir, warnings)
  await cache.write(planted)
  chmodSync(cache.path, 0o666)
  t.equal(await readsBack(cache), false, 'open to others')
  if (SKIP_NOT_ROOT === false) {
    chmodSync(cache.path, 0o600)
    chownSync(cache.path, NOBODY, NOBODY)
    t.equal(await readsBack(cache), false, 'another user\'s')
  }
  t.match(warnings, [
    new RegExp(`^${cache.path}: belongs to uid \\d+ or others may write it \\(mode 0666\\), so it is not used; a fresh template replaces it`),
    ...SKIP_NOT_ROOT === false ? [new RegExp(`^${cache.path}: belongs to uid ${NOBODY} or others may write it \\(mode 0600\\)`)] : []
  ])
  await cache.write(planted)
  t.same([lstatSync(cache.path).uid, lstatSync(cache.path).mode & 0o777], [process.getuid?.(), 0o600], 'the user\'s own 0600 file took its place')
  t.equal(await readsBack(cache), true)
})

t.test('no template is kept in a cache directory that others may write', async (t) => {
  const dir = join(tempDir(t, 'pitwall-cache-'), 'pitwall')
  mkdirSync(dir)
  chmodSync(dir, 0o777)
  const warnings: string[] = []
  t.equal(await TemplateCache.open(dir, (message) => warnings.push(message)), undefined)
  t.match(warnings, [new RegExp(`^${dir}: not a directory that only this user may write \\(mode 0777, uid \\d+\\)`)])
})

t.test(`${TEMPLATE_SETTING}=off: a new database runs initdb, and no template is made or used`, { timeout: 120_000 }, async (t) => {
  const path = await plantedIn(t)
  const dir = join(path, '..')
  withSetting(t, 'off')
  t.same(await tablesOfNew(), [], 'the planted template is not used')
  t.same(readdirSync(dir), [path.slice(dir.length + 1)], 'nor is another one made')
  t.ok(readFileSync(path).subarray(-planted.length).equals(planted), 'nor is it replaced')
})

t.test(`a ${TEMPLATE_SETTING} other than on or off is refused, naming it`, async (t) => {
  withSetting(t, 'yes')
  await t.rejects(openEmbedded('memory://'), { code: 'PITWALL_ERR_CONFIG', message: `invalid configuration: ${TEMPLATE_SETTING} must be on or off, not "yes"` })
})

t.test('an empty data directory is new too; one holding anything but a database is left to PGlite as it is', { timeout: 120_000 }, async (t) => {
  await plantedIn(t)
  const empty = join(tempDir(t, 'pitwall-template-empty-'), 'data')
  mkdirSync(join(empty, 'pgdata'), { recursive: true, mode: 0o700 })
  t.same(await tablesOfNew(empty), ['planted'], 'an empty pgdata starts from the template')

  const strayed = join(tempDir(t, 'pitwall-template-stray-'), 'data')
  mkdirSync(join(strayed, 'pgdata'), { recursive: true, mode: 0o700 })
  writeFileSync(join(strayed, 'pgdata', 'notes.txt'), 'kept', { mode: 0o600 })
  t.same(await tablesOfNew(strayed), [], 'a pgdata with a stray file runs initdb')
  t.equal(readFileSync(join(strayed, 'pgdata', 'notes.txt'), 'utf8'), 'kept', 'and the file is still there')
})
