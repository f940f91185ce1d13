/**
 * `pitwall rescue list|show|create|move`: rescue requests from the command
 * line, on storage directly (a running gateway's webhook worker sends what
 * they queue). `create` is the call centre's request, routed within
 * PITWALL_RESCUE_RADIUS_KM as the gateway routes it; `move` makes a dealer's
 * step with --dealer (accepted, dispatched, on_site, towed, closed) and the
 * call centre's cancel without it, checked as the API checks them.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { RESCUE_OUTCOMES, RESCUE_STATES, type RescueRequest, type RescueState } from '../../actions/rescue/model.js'
import { RescueService } from '../../actions/rescue/service.js'
import type { Storage } from '../../storage/index.js'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { integer, me, zonedTime } from './values.js'

function number (value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number of degrees`)
  return n
}

function states (value: string): RescueState[] {
  const list = value.split(',').map((s) => s.trim())
  for (const s of list) if (!(RESCUE_STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`"${s}" is not a rescue state (${RESCUE_STATES.join(', ')})`)
  return list as RescueState[]
}

function rescueLine (r: RescueRequest): string {
  return `${r.id}\t${r.state}\t${r.vin}\t${r.lat},${r.lon}\t${r.source}\trequested ${r.requestedAt.toISOString()}\t` +
    `${r.acceptedDealerId ?? '-'}\t${r.description.replace(/\s+/g, ' ').slice(0, 80)}`
}

function service (st: Storage, flags: StorageFlags): RescueService {
  const config = configFrom({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, logLevel: 'silent' })
  return new RescueService({ rescues: st.rescueRequests, dealers: st.dealers, log: { info: () => {} }, rescueRadiusKm: config.rescueRadiusKm })
}

export function registerRescueCommands (program: Command): void {
  const rescue = program.command('rescue').description('rescue requests for stranded vehicles: the call centre\'s requests and the dealers\' steps')

  storageFlags(rescue.command('list').description('rescue requests, newest first'))
    .option('--state <states>', `only these states, comma-separated (${RESCUE_STATES.join(', ')})`, states)
    .option('--dealer <id>', 'only those offered to this dealer')
    .option('--vin <vin>', 'only this vehicle')
    .option('--limit <n>', 'at most this many', integer, 100)
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { state?: RescueState[], dealer?: string, vin?: string, limit: number, json?: boolean }) => {
      const list = await withStorage(flags, async (st) => {
        if (flags.dealer !== undefined) await st.dealers.get(flags.dealer)
        return await st.rescueRequests.list({ state: flags.state, dealerId: flags.dealer, vin: flags.vin?.toUpperCase(), limit: flags.limit })
      })
      if (flags.json === true) print(JSON.stringify(list))
      else for (const r of list) print(rescueLine(r))
    })

  storageFlags(rescue.command('show').description('a rescue request, the dealers it was offered to and its timeline'))
    .argument('<id>', 'rescue request id', integer)
    .option('--json', 'JSON output')
    .action(async (id: number, flags: StorageFlags & { json?: boolean }) => {
      const { r, offers, timeline } = await withStorage(flags, async (st) =>
        ({ r: await st.rescueRequests.get(id), offers: await st.rescueRequests.offers(id), timeline: await st.rescueRequests.timeline(id) }))
      if (flags.json === true) { print(JSON.stringify({ ...r, offers, timeline })); return }
      print(rescueLine(r))
      if (r.contactPhone !== null) print(`  phone\t${r.contactPhone}`)
      if (r.eta !== null) print(`  eta\t${r.eta.toISOString()}`)
      for (const o of offers) print(`  offered\t${o.dealerId}\t${o.distanceKm === null ? '?' : o.distanceKm.toFixed(1)} km\talert ${o.alertId}\t${o.alertStatus}`)
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.state}\t${e.dealerId ?? '-'}\t${e.by}${e.detail === null ? '' : `\t${JSON.stringify(e.detail)}`}`)
    })

  storageFlags(rescue.command('create').description('the call centre\'s rescue request: routed to every active dealer within PITWALL_RESCUE_RADIUS_KM'))
    .argument('<vin>', 'the stranded vehicle')
    .requiredOption('--lat <deg>', 'where it stands: latitude (WGS-84)', number)
    .requiredOption('--lon <deg>', 'longitude (WGS-84)', number)
    .requiredOption('--description <text>', 'what happened and where, as the driver said')
    .requiredOption('--phone <number>', 'the driver\'s phone (given to the dealer that accepts)')
    .option('--by <name>', 'who took the call (default: the OS user)')
    .option('--json', 'print the request as JSON')
    .action(async (vin: string, flags: StorageFlags & { lat: number, lon: number, description: string, phone: string, by?: string, json?: boolean }) => {
      const { rescue: made, alerts } = await withStorage(flags, async (st) =>
        await service(st, flags).create({ vin, lat: flags.lat, lon: flags.lon, description: flags.description, contactPhone: flags.phone }, me(flags.by)))
      if (flags.json === true) { print(JSON.stringify({ ...made, alerts })); return }
      print(rescueLine(made))
      for (const a of alerts) print(`  offered\t${a.dealerId}\t${a.routing.distanceKm?.toFixed(1) ?? '?'} km\talert ${a.id}`)
    })

  storageFlags(rescue.command('move').description('a step of a rescue: a dealer\'s (--dealer) accepted, dispatched, on_site, towed, closed; the call centre\'s cancelled'))
    .argument('<id>', 'rescue request id', integer)
    .argument('<to>', `the state (${RESCUE_STATES.filter((s) => s !== 'requested').join(', ')})`)
    .option('--dealer <id>', 'the dealer making the step (every step but cancelled)')
    .option('--eta <time>', 'with dispatched: when the help expects to be on site (ISO 8601 with a zone)', zonedTime)
    .option('--towed-to <dealer>', 'with towed: the dealer the vehicle goes to (default: the accepting dealer)')
    .option('--outcome <outcome>', `with closed: ${RESCUE_OUTCOMES.join(', ')}`)
    .option('--reason <text>', 'with cancelled: why')
    .option('--note <text>', 'kept in the timeline')
    .option('--by <name>', 'who makes the step (default: the OS user)')
    .option('--json', 'print the request as JSON')
    .action(async (id: number, to: string, flags: StorageFlags & { dealer?: string, eta?: Date, towedTo?: string, outcome?: string, reason?: string, note?: string, by?: string, json?: boolean }) => {
      const moved = await withStorage(flags, async (st) => await service(st, flags).move(id, to,
        { eta: flags.eta, towedTo: flags.towedTo, outcome: flags.outcome, reason: flags.reason, note: flags.note },
        { dealerId: flags.dealer ?? null, name: me(flags.by) }))
      print(flags.json === true ? JSON.stringify(moved) : rescueLine(moved))
    })
}
