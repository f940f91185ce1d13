/**
 * `pitwall quality` as an engineer runs it: the CLI against an embedded
 * data directory whose host this test keeps running (as a gateway would),
 * over the fleet of test/helpers/quality-fleet.ts. The table to read, the
 * JSON and CSV the API answers, filters, and refusals that name the flag.
 * The binary prints the table; the other commands run in this process
 * (test/helpers/cli.ts).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'
import { seedQualityFleet } from '../../helpers/quality-fleet.js'

const WINDOW = ['--from', '2026-03-08T00:00:00Z', '--to', '2026-03-15T00:00:00Z']

t.test('pitwall quality', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-quality-cli-')), 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  await seedQualityFleet(storage)
  const at = ['--data-dir', dataDir]

  t.test('a table, most vehicles affected first', async (t) => {
    const res = await pitwall('quality', ...WINDOW, ...at)
    t.equal(res.code, 0, res.stderr)
    t.same(res.stdout.split('\n'), [
      '2026-03-08T00:00:00.000Z .. 2026-03-15T00:00:00.000Z, before: from 2026-03-01T00:00:00.000Z',
      'kind   code         model  firmware  vehicles  fleet  per 1000  before  trend   occurrences  first seen         name',
      'dtc    P0217        ev-a   1.0       4         8      500       125     steady  5            2026-02-10T09:00Z',
      'fault  coolant-hot  ev-a   1.0       2         8      250       125     steady  3            2026-03-02T10:00Z  Coolant too hot (critical)',
      'dtc    P0217        ev-a   1.1       1         2      500       0.00    new     1            2026-03-13T09:30Z',
      'dtc    P0A80        ev-a   1.1       1         2      500       0.00    new     1            2026-03-11T15:00Z',
      'dtc    U0100        ev-b   -         1         2      500       0.00    new     1            2026-03-10T18:00Z',
      'fault  battery-low  ev-b   -         1         2      500       0.00    new     1            2026-03-14T06:00Z  12 V battery low (minor)',
      ''
    ])
    const filtered = await pitwallInProcess('quality', ...WINDOW, '--kind', 'fault', '--brand', 'Nordwind', '--limit', '5', ...at)
    t.match(filtered.stdout, /\nfault {2}coolant-hot {2}ev-a {3}1\.0 {7}2 {9}7 {6}286 /, 'the brand\'s vehicles only: 2 of 7')
    t.equal(filtered.stdout.trim().split('\n').length, 3, 'a header, the headings and the one row')
    const empty = await pitwallInProcess('quality', '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-02T00:00:00Z', ...at)
    t.equal(empty.stdout, '2020-01-01T00:00:00.000Z .. 2020-01-02T00:00:00.000Z, before: from 2019-12-31T00:00:00.000Z\nno DTC or fault reported in this window\n')
  })

  t.test('--json and --csv answer as the API does', async (t) => {
    const json = JSON.parse((await pitwallInProcess('quality', ...WINDOW, '--model', 'ev-b', '--json', ...at)).stdout)
    t.same(json, {
      from: '2026-03-08T00:00:00.000Z',
      to: '2026-03-15T00:00:00.000Z',
      previousFrom: '2026-03-01T00:00:00.000Z',
      rows: [
        { kind: 'dtc', code: 'U0100', name: null, severity: null, model: 'ev-b', firmware: null, vehiclesAffected: 1, occurrences: 1, fleetSize: 2, ratePer1000: 500, previousVehiclesAffected: 0, previousRatePer1000: 0, rateDelta: 500, trend: 'new', firstSeenAt: '2026-03-10T18:00:00.000Z' },
        { kind: 'fault', code: 'battery-low', name: '12 V battery low', severity: 'minor', model: 'ev-b', firmware: null, vehiclesAffected: 1, occurrences: 1, fleetSize: 2, ratePer1000: 500, previousVehiclesAffected: 0, previousRatePer1000: 0, rateDelta: 500, trend: 'new', firstSeenAt: '2026-03-14T06:00:00.000Z' }
      ]
    })
    const csv = await pitwallInProcess('quality', ...WINDOW, '--kind', 'dtc', '--firmware', '1.0', '--csv', ...at)
    t.equal(csv.stdout, 'kind,code,name,severity,model,firmware,vehiclesAffected,occurrences,fleetSize,ratePer1000,previousVehiclesAffected,previousRatePer1000,rateDelta,trend,firstSeenAt\r\n' +
      'dtc,P0217,,,ev-a,1.0,4,5,8,500,1,125,375,steady,2026-02-10T09:00:00.000Z\r\n')
  })

  t.test('refusals name the flag', async (t) => {
    const reversed = await pitwallInProcess('quality', '--from', '2026-03-15T00:00:00Z', '--to', '2026-03-08T00:00:00Z', ...at)
    t.equal(reversed.code, 1)
    t.equal(reversed.stderr, 'pitwall: [PITWALL_ERR_BAD_REQUEST] --from must be before --to; got 2026-03-15T00:00:00.000Z .. 2026-03-08T00:00:00.000Z\n')
    const long = await pitwallInProcess('quality', '--from', '2024-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z', ...at)
    t.equal(long.stderr, 'pitwall: [PITWALL_ERR_BAD_REQUEST] --from .. --to spans 731.0 days; at most 366\n')
    t.equal((await pitwallInProcess('quality', '--limit', '501', ...at)).stderr, 'pitwall: [PITWALL_ERR_BAD_REQUEST] --limit must be an integer from 1 to 500; got 501\n')
    const kind = await pitwallInProcess('quality', '--kind', 'dtc,recall', ...at)
    t.not(kind.code, 0)
    t.match(kind.stderr, /--kind.*"recall" is not one of dtc, fault/)
    const both = await pitwallInProcess('quality', '--csv', '--json', ...at)
    t.not(both.code, 0)
    t.match(both.stderr, /--csv.*cannot be used with.*--json/)
    t.match((await pitwallInProcess('quality', '--from', 'yesterday', ...at)).stderr, /"yesterday" is not an ISO 8601 time with a zone/)
  })
})
