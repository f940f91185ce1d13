/**
 * What travels over NOTIFY: fleet event payloads read back (and refused when
 * they are not events), who sees which event, and chunks that stay under
 * PostgreSQL's 8000-byte payload limit whatever the snapshot's size.
 */
import t from 'tap'
import { liveChunks } from '../../../gateway/events/live-tap.js'
import { NOTIFY_CHUNK_BYTES, parseFleetEvent, parseLiveChunk, visibleTo, type FleetEvent } from '../../../gateway/events/model.js'
import { watchPayloads, WatchedVehicles, WATCH_TTL_MS } from '../../../gateway/events/watched.js'

t.test('a trigger payload becomes a fleet event with its time in UTC', async (t) => {
  t.same(parseFleetEvent(JSON.stringify({ kind: 'fault', id: 7, event: 'opened', state: 'open', severity: 'major', rule: 'overheat', vin: 'WDB12345678901234', time: '2026-03-01T10:00:00.5+01:00' })),
    { kind: 'fault', id: 7, event: 'opened', state: 'open', severity: 'major', rule: 'overheat', vin: 'WDB12345678901234', time: '2026-03-01T09:00:00.500Z' })
  t.same(parseFleetEvent(JSON.stringify({ kind: 'vehicle', vin: 'WDB12345678901234', dealerId: null, connected: false, node: 'a', time: null })),
    { kind: 'vehicle', vin: 'WDB12345678901234', dealerId: null, connected: false, node: 'a', time: null })
  t.match(parseFleetEvent(JSON.stringify({ kind: 'command', id: 'c1', state: 'sent', vin: 'WDB12345678901234', time: '2026-03-01T10:00:00Z', extra: 'x' })),
    { kind: 'command', progress: null }, 'an absent optional field is null; an unknown one is left out')
})

t.test('payloads that are not events are refused', async (t) => {
  for (const payload of ['', 'not json', '[]', 'null', '{"kind":"toString"}', '{"kind":"__proto__"}', '{"kind":"weather"}',
    JSON.stringify({ kind: 'fault', id: '7', event: 'opened', state: 'open', severity: 'major', rule: 'r', vin: 'V', time: '2026-03-01T10:00:00Z' }),
    JSON.stringify({ kind: 'alert', id: 1, dealerId: 'd', alertKind: 'prestage', status: 'new', vin: 'V', time: 'yesterday' })]) {
    t.equal(parseFleetEvent(payload), undefined, payload)
  }
})

t.test('engineers and operators see every event; a dealer its own alerts and customers only', async (t) => {
  const events: FleetEvent[] = [
    { kind: 'fault', id: 1, event: 'opened', state: 'open', severity: 'major', rule: 'r', vin: 'V', time: 't' },
    { kind: 'command', id: 'c', state: 'sent', progress: null, vin: 'V', time: 't' },
    { kind: 'alert', id: 2, dealerId: 'nord', alertKind: 'prestage', status: 'new', vin: 'V', time: 't' },
    { kind: 'alert', id: 3, dealerId: 'sued', alertKind: 'prestage', status: 'new', vin: 'V', time: 't' },
    { kind: 'vehicle', vin: 'V', dealerId: 'nord', connected: true, node: 'a', time: 't' },
    { kind: 'vehicle', vin: 'W', dealerId: null, connected: true, node: 'a', time: 't' }
  ]
  for (const role of ['engineer', 'operator'] as const) t.equal(events.filter((e) => visibleTo(e, { role, dealerId: null })).length, 6, role)
  t.same(events.filter((e) => visibleTo(e, { role: 'dealer', dealerId: 'nord' })).map((e) => e.kind === 'alert' ? e.id : e.vin), [2, 'V'])
})

t.test('a live snapshot is cut into chunks under the NOTIFY limit, each readable alone', async (t) => {
  const entries = Array.from({ length: 1000 }, (_, i) => [`Vehicle.Custom.Signal${i}.With.A.Long.Name`, 'km/h', i + 0.5, 1_770_000_000_000 + i] as const)
  const chunks = liveChunks('WDB12345678901234', entries)
  t.ok(chunks.length > 1, `${chunks.length} chunks`)
  for (const chunk of chunks) t.ok(Buffer.byteLength(chunk) <= NOTIFY_CHUNK_BYTES && Buffer.byteLength(chunk) < 8000)
  const signals = chunks.flatMap((c) => parseLiveChunk(c)?.signals ?? [])
  t.equal(signals.length, 1000, 'every signal once')
  t.same(signals[999], { name: 'Vehicle.Custom.Signal999.With.A.Long.Name', unit: 'km/h', value: 999.5, timeMs: 1_770_000_000_999 })
  t.same(liveChunks('WDB12345678901234', [['x'.repeat(9000), '', 1, 1], ['Vehicle.Speed', 'km/h', 3, 1]]).map((c) => parseLiveChunk(c)?.signals.map((s) => s.name)),
    [['Vehicle.Speed']], 'an entry that cannot fit any chunk is left out, not sent broken')
  t.equal(parseLiveChunk('{"vin":"V","signals":[["a","b","c",1]]}'), undefined, 'a malformed chunk is refused')
})

t.test('watch announcements: chunked VINs, remembered for a while, then forgotten', async (t) => {
  const vins = Array.from({ length: 1000 }, (_, i) => `WDB${String(i).padStart(14, '0')}`)
  const payloads = watchPayloads(vins)
  t.ok(payloads.every((p) => Buffer.byteLength(p) < 8000), `${payloads.length} payloads`)
  let now = 1000
  const watched = new WatchedVehicles(() => now)
  for (const p of payloads) watched.note(p)
  watched.note('not-a-vin,WDB12345678901234')
  t.ok(watched.has('WDB00000000000999') && watched.has('WDB12345678901234'))
  t.notOk(watched.has('not-a-vin'))
  now += WATCH_TTL_MS - 1
  watched.note('WDB12345678901234')
  now += 2
  t.same([...watched.prune()], ['WDB12345678901234'], 'only the VIN announced again is still watched')
  t.notOk(watched.has('WDB00000000000999'))
})
