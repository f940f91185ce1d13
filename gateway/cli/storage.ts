/**
 * `pitwall storage status [--json]`: per telemetry table, its size, rows,
 * oldest and newest data, compression where compressed, and the next
 * retention drop; on TimescaleDB also per continuous aggregate how it is
 * refreshed and how far it is materialized. `pitwall storage maintain`: one maintenance pass now
 * (partitions ahead, strays moved, expired days dropped), as the gateway
 * runs every PITWALL_STORAGE_MAINTENANCE_INTERVAL_MS.
 */
import type { Command } from 'commander'
import type { TableStatus } from '../../storage/retention.js'
import type { AggregateStatus } from '../../storage/timescale.js'
import { retentionOf } from '../config.js'
import { columns, print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'

interface StatusFlags extends StorageFlags { json?: boolean }

const HEADINGS = ['table', 'data', 'retention', 'size', 'rows', 'oldest', 'newest', 'compression', 'parts', 'next drop']
const AGGREGATE_HEADINGS = ['continuous aggregate', 'of', 'data', 'retention', 'size', 'rows', 'materialized to', 'refreshed']

export function registerStorageCommand (program: Command): void {
  const storage = program.command('storage').description('the telemetry tables: partitions, retention, compression')
  storageFlags(storage.command('status').description('per table: size, rows, oldest and newest data, compression ratio, next retention drop'))
    .option('--json', 'JSON output')
    .action(async (flags: StatusFlags) => {
      const settings = retentionOf(configFrom({ ...flags, logLevel: 'silent' }))
      const { shape, tables, aggregates } = await withStorage(flags, async (s) => ({
        shape: await s.retention.shape(),
        tables: await s.retention.status(settings.retention),
        aggregates: await s.retention.aggregates(settings.retention)
      }))
      if (flags.json === true) {
        print(JSON.stringify({ shape, tables, aggregates }))
        return
      }
      print(shape === 'timescaledb' ? 'TimescaleDB hypertables, daily chunks' : 'daily partitions (plain PostgreSQL)')
      for (const line of columns([HEADINGS, ...tables.map(cells)])) print(line)
      const strays = tables.filter((t) => t.strayRows > 0)
      for (const t of strays) print(`${t.table}: ${t.strayRows} rows wait in ${t.table}_default for their day's partition (the next maintenance pass moves them)`)
      if (aggregates.length === 0) return
      print('')
      for (const line of columns([AGGREGATE_HEADINGS, ...aggregates.map(aggregateCells)])) print(line)
      for (const a of aggregates.filter((x) => x.filling)) print(`${a.view}: first fill from ${a.source} under way (the signal rollup pass does it a day at a time); until then history reads the samples`)
    })
  storageFlags(storage.command('maintain').description('one maintenance pass now: partitions ahead, waiting rows moved, expired partitions dropped'))
    .option('--json', 'JSON output')
    .action(async (flags: StatusFlags) => {
      const settings = retentionOf(configFrom({ ...flags, logLevel: 'silent' }))
      const pass = await withStorage(flags, async (s) => await s.retention.maintain(settings))
      if (flags.json === true) {
        print(JSON.stringify({ ...pass, failures: pass.failures.map((f) => ({ table: f.table, action: f.action, code: f.error.code, message: f.error.message })) }))
      } else {
        for (const c of pass.created) print(`created ${c.partition}${c.movedRows > 0 ? ` (${c.movedRows} waiting rows moved in)` : ''}`)
        for (const d of pass.dropped) print(`dropped ${d.partition} (expired)`)
        for (const p of pass.policies) print(`${p.table}: ${p.policy} policy set to ${p.days} days`)
        if (pass.expiredStrays > 0) print(`deleted ${pass.expiredStrays} expired rows from DEFAULT partitions`)
        for (const f of pass.failures) process.stderr.write(`pitwall: [${f.error.code}] ${f.error.message}\n`)
      }
      if (pass.failures.length > 0) process.exitCode = 1
    })
}

const day = (ms: number | undefined): string => ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

function bytes (n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${n.toFixed(n >= 100 || i === 0 ? 0 : 1)} ${units[i] as string}`
}

function aggregateCells (a: AggregateStatus): string[] {
  const refreshed = a.refresh === 'marks'
    ? `marked minutes, by the signal rollup (${a.pendingMarks ?? 0} marks waiting)`
    // the embedded engine's run_job keeps no job statistics: no last run to show there
    : `every ${a.refresh.scheduleMinutes} min${a.lastRefresh === undefined ? '' : `, last ${day(a.lastRefresh.atMs)} ${a.lastRefresh.status}`}`
  return [a.view, a.source, a.description, `${a.retentionDays} d`, bytes(a.bytes), `${a.rowsEstimated ? '≈' : ''}${a.rows}`, day(a.newestMs), refreshed]
}

function cells (t: TableStatus): string[] {
  return [
    t.table, t.description, `${t.retentionDays} d`, bytes(t.bytes), `${t.rowsEstimated ? '≈' : ''}${t.rows}`, day(t.oldestMs), day(t.newestMs),
    t.compressionRatio === undefined ? '-' : `${t.compressionRatio.toFixed(1)}×`, String(t.parts),
    t.nextDrop === undefined ? '-' : `${day(t.nextDrop.atMs)} (${t.nextDrop.part})`
  ]
}
