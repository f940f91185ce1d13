/**
 * `pitwall reproject` as an operator runs it beside a running gateway's
 * embedded database: the decoded rows of a range are rebuilt from the
 * archive (a lost row comes back, a stray one goes), rows outside it stay,
 * and bad ranges are refused naming the flag. The binary runs the rebuild;
 * the refusals run in this process (test/helpers/cli.ts).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage, poolOf } from '../../../storage/index.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'
import { testBatch } from '../../helpers/batches.js'

const T0 = Date.parse('2026-11-02T08:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString()

t.test('pitwall reproject', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-reproject-cli-')), 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  const vin = 'WPWRPJ00000000001'
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  for (let seq = 1; seq <= 3; seq++) {
    const baseTimeUs = (T0 + (seq - 1) * 60_000) * 1000
    const payload = testBatch({ vin, seq, baseTimeUs })
    // the rows ingest decodes from it: 2 OBD-II PIDs and an edge signal, a fix, a DTC
    const rows = { samples: { timeUs: [baseTimeUs + 100, baseTimeUs + 200, baseTimeUs + 400], signalId: [3, 2, 9], value: [90, 1800, 231.5] }, gnss: [], dtcs: [] }
    await storage.storeBatch({ vehicleId, seq, baseTimeUs, canFrames: 3, payload, ...rows })
  }
  await storage.projector.idle()
  const at = ['--data-dir', dataDir]
  const samples = async (fromMs: number, toMs: number): Promise<number> => (await poolOf(storage).query<{ n: number }>(
    'SELECT count(*)::int AS n FROM signal_samples WHERE vehicle_id = $1 AND time >= to_timestamp($2 / 1e3) AND time < to_timestamp($3 / 1e3)', [vehicleId, fromMs, toMs])).rows[0]?.n ?? 0

  t.test('rebuilds the range from the archive and leaves the rest', async (t) => {
    // batch 2's rows were lost (say, a DBC that was wrong for them was fixed)
    await poolOf(storage).query('DELETE FROM signal_samples WHERE vehicle_id = $1 AND time >= to_timestamp($2 / 1e3) AND time < to_timestamp($3 / 1e3)', [vehicleId, T0 + 60_000, T0 + 120_000])
    const res = await pitwall('reproject', '--from', iso(T0 + 60_000), '--to', iso(T0 + 180_000), '--vin', vin, '--json', ...at)
    t.equal(res.code, 0, res.stderr)
    t.match(JSON.parse(res.stdout), { written: { samples: 6 }, deleted: { samples: 3 }, skipped: 0 })
    t.equal(await samples(T0 + 60_000, T0 + 180_000), 6, 'batches 2 and 3: 3 samples each')
    t.equal(await samples(T0, T0 + 60_000), 3, 'batch 1, before the range, as it was')
    await poolOf(storage).query('INSERT INTO signal_samples (time, vehicle_id, signal_id, value) VALUES (to_timestamp($2 / 1e3), $1, 1, 999)', [vehicleId, T0 + 90_000])
    const again = await pitwallInProcess('reproject', '--from', iso(T0 + 60_000), '--to', iso(T0 + 180_000), ...at)
    t.equal(again.code, 0, again.stderr)
    t.match(again.stdout, /^3 batches decoded again\nsamples: 7 deleted, 6 written;/, 'the stray row is gone, the rest written again')
    t.equal(await samples(T0 + 60_000, T0 + 180_000), 6)
  })

  t.test('refusals name what is wrong', async (t) => {
    const backwards = await pitwallInProcess('reproject', '--from', iso(T0 + 60_000), '--to', iso(T0), ...at)
    t.not(backwards.code, 0)
    t.match(backwards.stderr, /--to must be after --from/)
    const huge = await pitwallInProcess('reproject', '--from', '2026-01-01T00:00:00Z', '--to', '2026-03-01T00:00:00Z', ...at)
    t.match(huge.stderr, /spans more than 31 days: reproject it in parts/)
    const nobody = await pitwallInProcess('reproject', '--from', iso(T0), '--to', iso(T0 + 60_000), '--vin', 'WPWRPJ00000000099', ...at)
    t.match(nobody.stderr, /no vehicle WPWRPJ00000000099/)
    const noFrom = await pitwallInProcess('reproject', '--to', iso(T0), ...at)
    t.match(noFrom.stderr, /--from/)
  })
})
