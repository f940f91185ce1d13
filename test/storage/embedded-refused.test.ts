/**
 * A data directory that others may use is refused at start (the embedded
 * database has no password, so its modes are its only protection), with a
 * message that names the path, its mode and the command that fixes it.
 * Data directories of earlier versions were 0755 with 0666 files.
 */
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { openEmbedded } from '../../storage/embedded.js'
import { openStorage } from '../../storage/index.js'

t.test('a data directory open to others is refused at start, naming the path, its mode and the fix', { timeout: 120_000 }, async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-loose-')), 'data')
  mkdirSync(dataDir)
  chmodSync(dataDir, 0o755)
  await t.rejects(openStorage({ dataDir }), {
    code: 'PITWALL_ERR_STORAGE_EXPOSED',
    message: `${dataDir}: open to group or others (mode 0755), and the embedded database has no password, so other local users could read and change it; run chmod -R go= ${dataDir}`
  })
  t.notOk(existsSync(join(dataDir, 'pgdata')), 'no database was created in it')

  chmodSync(dataDir, 0o700)
  const server = await openEmbedded(dataDir)
  await server.close()
  const wal = join(dataDir, 'pgdata', 'pg_wal', '000000010000000000000001')
  chmodSync(wal, 0o666)
  await t.rejects(openEmbedded(dataDir), { code: 'PITWALL_ERR_STORAGE_EXPOSED', message: `${wal}: open to group or others (mode 0666)` },
    'a file inside that others may use is refused too')

  // the command the message gives
  await promisify(execFile)('chmod', ['-R', 'go=', dataDir])
  const fixed = await openEmbedded(dataDir)
  t.equal(fixed.owned, true, 'once tightened it starts')
  await fixed.close()
})
