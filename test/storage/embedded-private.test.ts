/**
 * The embedded database has no password, so only the file system keeps
 * other local users out of it: a Unix socket in a directory of the
 * gateway's user (no TCP port), a data directory and files that are that
 * user's alone, and a refusal to start on one that is not. A hostile local
 * user once read a dealer's webhook secret and queued a remote unlock
 * through the loopback port; the test below tries that again as `nobody`.
 */
import { execFile } from 'node:child_process'
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import t from 'tap'
import { openEmbedded } from '../../storage/embedded.js'
import { looseEntries } from '../helpers/loose-files.js'

const NOBODY = 65_534
const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p))
const SKIP_OTHER_USER = process.getuid?.() !== 0
  ? 'not root, so no other local user can be switched to'
  : runuser === undefined ? 'no runuser to run a script as nobody' : false

/** A directory others may enter, so what they are refused is what Pitwall made private. */
function openParent (prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  return dir
}

/** TCP ports the process listens on (Linux /proc), or undefined elsewhere. */
function listeningTcpPorts (pid: number): number[] | undefined {
  if (!existsSync(`/proc/${pid}/fd`)) return undefined
  const inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try { return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] } catch { return undefined }
  }))
  const ports: number[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/)
      if (state === '0A' && inodes.has(inode)) ports.push(parseInt(local?.split(':').at(-1) ?? '', 16))
    }
  }
  return ports
}

/**
 * Runs as `nobody`: connects to the database with pg and runs a query,
 * reads each file, plants a file in `plantIn`, lists `control` (which it
 * may: the parent directory). Each outcome is 'allowed' or the error code.
 */
async function asNobody (attempt: { url: string, read: string[], plantIn: string, control: string }): Promise<Record<string, string>> {
  const script = `
    const pg = require(${JSON.stringify(createRequire(import.meta.url).resolve('pg'))})
    const fs = require('node:fs/promises')
    const a = JSON.parse(process.argv[1])
    const outcome = async (f) => { try { await f(); return 'allowed' } catch (err) { return err.code ?? err.message } }
    ;(async () => {
      const r = {}
      r.query = await outcome(async () => {
        const client = new pg.Client({ connectionString: a.url, connectionTimeoutMillis: 5000 })
        client.on('error', () => {})
        await client.connect()
        try { await client.query('SELECT 1') } finally { await client.end() }
      })
      for (const f of a.read) r['read ' + f] = await outcome(() => fs.readFile(f))
      r.plant = await outcome(() => fs.writeFile(a.plantIn + '/planted', 'x'))
      r.control = await outcome(() => fs.readdir(a.control))
      console.log(JSON.stringify(r))
    })()`
  const { stdout } = await promisify(execFile)(runuser as string, ['-u', 'nobody', '--', process.execPath, '-e', script, JSON.stringify(attempt)], { cwd: '/' })
  return JSON.parse(stdout) as Record<string, string>
}

t.test('a data directory is made private, served on a Unix socket only, and closed to another local user', { timeout: 180_000 }, async (t) => {
  const parent = openParent('pitwall-private-')
  const dataDir = join(parent, 'data')
  const first = await openEmbedded(dataDir)
  const client = new pg.Client({ connectionString: first.url })
  await client.connect()
  await client.query('CREATE TABLE dealer_secrets (secret text)')
  await client.query("INSERT INTO dealer_secrets VALUES ('whsec_1')")
  await client.end()
  await first.close()
  // a second start rewrites PGlite's relcache files, which it chmods 0644
  const server = await openEmbedded(dataDir)
  t.teardown(() => server.close())
  const url = server.url

  await t.test('another user can neither query it nor read or plant files', { skip: SKIP_OTHER_USER }, async (t) => {
    const pgControl = join(dataDir, 'pgdata', 'global', 'pg_control')
    const hostFile = join(dataDir, 'pitwall-host.json')
    t.same(await asNobody({ url, read: [pgControl, hostFile], plantIn: dataDir, control: parent }), {
      query: 'EACCES',
      [`read ${pgControl}`]: 'EACCES',
      [`read ${hostFile}`]: 'EACCES',
      plant: 'EACCES',
      control: 'allowed'
    })
  })

  const host = decodeURIComponent(new URL(url).hostname)
  t.equal(host, dataDir, 'pg reaches the host through a socket in the data directory')
  t.equal(lstatSync(join(dataDir, '.s.PGSQL.5432')).isSocket(), true)
  const { pid } = JSON.parse(readFileSync(join(dataDir, 'pitwall-host.json'), 'utf8')) as { pid: number }
  const ports = listeningTcpPorts(pid)
  if (ports !== undefined) t.same(ports, [], 'the host listens on no TCP port')

  t.same(looseEntries(dataDir), [], 'no directory, file or socket in it is open to group or others')
  t.equal(lstatSync(dataDir).mode & 0o777, 0o700)
  t.equal(lstatSync(join(dataDir, 'pitwall-host.json')).mode & 0o777, 0o600)
  t.equal(lstatSync(join(dataDir, 'pgdata', 'pg_wal', '000000010000000000000001')).mode & 0o777, 0o600, 'the WAL is 0600')
})

t.test('a data directory too deep for a socket address gets its socket in a private temp directory', { timeout: 120_000 }, async (t) => {
  const parent = openParent('pitwall-deep-')
  const dataDir = join(parent, 'a-rather-long-directory-name-for-a-fleet'.repeat(3), 'data')
  t.ok(Buffer.byteLength(join(dataDir, '.s.PGSQL.5432')) > 107, 'the socket would not fit in sun_path')
  const server = await openEmbedded(dataDir)
  let closed = false
  t.teardown(async () => { if (!closed) await server.close() })
  const socketDir = decodeURIComponent(new URL(server.url).hostname)
  t.ok(socketDir.startsWith(tmpdir()), `socket directory ${socketDir} is under the temp dir`)
  t.equal(lstatSync(socketDir).mode & 0o777, 0o700, 'and only its owner may enter it')

  const second = await openEmbedded(dataDir)
  t.equal(second.owned, false, 'a second process finds the running host through pitwall-host.json')
  const client = new pg.Client({ connectionString: second.url })
  await client.connect()
  t.same((await client.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }])
  await client.end()

  if (SKIP_OTHER_USER === false) {
    t.same(await asNobody({ url: server.url, read: [], plantIn: socketDir, control: parent }),
      { query: 'EACCES', plant: 'EACCES', control: 'allowed' }, 'another user cannot reach the relocated socket')
  }
  await server.close()
  closed = true
  t.notOk(existsSync(socketDir), 'the temp socket directory is removed on close')
})

t.test('an in-memory database is served in a private temp directory too', { skip: SKIP_OTHER_USER }, async (t) => {
  const server = await openEmbedded('memory://')
  t.teardown(() => server.close())
  const socketDir = decodeURIComponent(new URL(server.url).hostname)
  t.same(await asNobody({ url: server.url, read: [], plantIn: socketDir, control: tmpdir() }),
    { query: 'EACCES', plant: 'EACCES', control: 'allowed' })
})

t.test('a data directory that belongs to another user is refused', { skip: SKIP_OTHER_USER }, async (t) => {
  const dataDir = join(openParent('pitwall-owner-'), 'data')
  mkdirSync(dataDir, { mode: 0o700 })
  chownSync(dataDir, NOBODY, NOBODY)
  await t.rejects(openEmbedded(dataDir), {
    code: 'PITWALL_ERR_STORAGE_EXPOSED',
    message: `${dataDir}: the embedded database's directory belongs to uid ${NOBODY}, not to this process's user (uid 0)`
  })
})
