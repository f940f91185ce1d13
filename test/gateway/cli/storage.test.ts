/**
 * `pitwall storage maintain` and `pitwall storage status` beside a gateway's
 * embedded database, as an operator runs them: a pass makes the days'
 * partitions and reports what it did; status shows each table's size, rows,
 * oldest and newest data and next retention drop, as text and JSON; a bad
 * retention setting is refused naming it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { DAY_MS, dayOf, partitionName } from '../../../storage/partitions.js'
import type { TableStatus } from '../../../storage/retention.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'
import { testBatch } from '../../helpers/batches.js'

t.test('pitwall storage', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-storage-cli-')), 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  const vin = 'WPWSTR00000000001'
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  const now = Date.now()
  for (const [seq, ageDays] of [[1, 0], [2, 2]] as const) {
    const baseTimeUs = (now - ageDays * DAY_MS) * 1000
    await storage.writer.writeBatch({ vehicleId, seq, baseTimeUs, canFrames: 3, payload: testBatch({ vin, seq, baseTimeUs }) })
  }

  const maintained = await pitwall('storage', 'maintain', '--data-dir', dataDir)
  t.equal(maintained.code, 0, maintained.stderr)
  t.match(maintained.stdout, `created ${partitionName('batches', dayOf(now))}`)
  t.match(maintained.stdout, `created ${partitionName('batches', dayOf(now) - 2 * DAY_MS)} (1 waiting rows moved in)`)

  const text = await pitwallInProcess('storage', 'status', '--data-dir', dataDir)
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, /^daily partitions \(plain PostgreSQL\)\ntable\s+data\s+retention\s+size\s+rows\s+oldest\s+newest\s+compression\s+parts\s+next drop\n/)
  t.notMatch(text.stdout, 'continuous aggregate', 'no aggregates section without TimescaleDB')
  t.match(text.stdout, new RegExp(`batches\\s+raw batch archive\\s+90 d\\s+[\\d.]+ [kM]?B\\s+2\\s+${new Date(now - 2 * DAY_MS).toISOString().slice(0, 10)}`))

  process.env.PITWALL_RETENTION_RAW_DAYS = '7'
  t.teardown(() => { delete process.env.PITWALL_RETENTION_RAW_DAYS })
  const json = await pitwallInProcess('storage', 'status', '--json', '--data-dir', dataDir)
  const status = JSON.parse(json.stdout) as { shape: string, tables: TableStatus[], aggregates: unknown[] }
  t.equal(status.shape, 'partitions')
  t.same(status.aggregates, [], 'continuous aggregates are TimescaleDB\'s (test/storage/timescale-aggregates.test.ts)')
  t.same(status.tables.map((s) => s.table), ['batches', 'signal_samples', 'signal_minutes', 'gnss_fixes', 'dtc_events', 'dead_letters'])
  const batches = status.tables[0] as TableStatus
  t.match(batches, { rows: 2, retentionDays: 7, oldestMs: Math.round(now - 2 * DAY_MS), newestMs: now, strayRows: 0 })
  t.same(batches.nextDrop, { atMs: dayOf(now) - 2 * DAY_MS + DAY_MS + 7 * DAY_MS, part: partitionName('batches', dayOf(now) - 2 * DAY_MS) })

  process.env.PITWALL_RETENTION_RAW_DAYS = '0'
  const refused = await pitwallInProcess('storage', 'status', '--data-dir', dataDir)
  t.equal(refused.code, 1)
  t.match(refused.stderr, 'retentionRawDays (PITWALL_RETENTION_RAW_DAYS) must be >= 1')
})
