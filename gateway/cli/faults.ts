/** `pitwall faults list|show|ack|resolve`: the faults the rules raised. */
import { InvalidArgumentError, type Command } from 'commander'
import { FAULT_STATES, type Fault, type FaultState } from '../../rules/fault-lifecycle.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { integer, me } from './values.js'

function faultStates (value: string): FaultState[] {
  const states = value.split(',')
  for (const s of states) {
    if (!(FAULT_STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`"${s}" is not a fault state (${FAULT_STATES.join(', ')})`)
  }
  return states as FaultState[]
}

function faultLine (f: Fault): string {
  return `${f.id}\t${f.vin}\t${f.ruleId}@${f.ruleVersion}\t${f.severity}\t${f.state}\t×${f.occurrences}\t` +
    `opened ${f.openedAt.toISOString()}\tlast ${f.lastOccurredAt.toISOString()}`
}

export function registerFaultCommands (program: Command): void {
  const faults = program.command('faults').description('faults raised by the rules')

  storageFlags(faults.command('list').description('list faults, newest first'))
    .option('--vin <vin>', 'only this vehicle')
    .option('--state <states>', `only these states, comma-separated (${FAULT_STATES.join(', ')})`, faultStates)
    .option('--rule <id>', 'only this rule')
    .option('--limit <n>', 'at most this many', integer, 100)
    .option('--json', 'JSON output (with evidence)')
    .action(async (flags: StorageFlags & { vin?: string, state?: FaultState[], rule?: string, limit: number, json?: boolean }) => {
      const list = await withStorage(flags, async (storage) =>
        await storage.faults.list({ vin: flags.vin?.toUpperCase(), state: flags.state, ruleId: flags.rule, limit: flags.limit }))
      if (flags.json === true) print(JSON.stringify(list))
      else for (const f of list) print(faultLine(f))
    })

  storageFlags(faults.command('show').description('a fault with its evidence and timeline'))
    .argument('<id>', 'fault id', integer)
    .option('--json', 'JSON output')
    .action(async (id: number, flags: StorageFlags & { json?: boolean }) => {
      const { fault, timeline } = await withStorage(flags, async (storage) =>
        ({ fault: await storage.faults.get(id), timeline: await storage.faults.timeline(id) }))
      if (flags.json === true) {
        print(JSON.stringify({ ...fault, timeline }))
        return
      }
      print(faultLine(fault))
      for (const s of fault.evidence) print(`  evidence\t${s.signal}\t${new Date(s.t * 1000).toISOString()}\t${s.value}`)
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.type}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${JSON.stringify(e.detail)}`}`)
    })

  storageFlags(faults.command('ack').description('acknowledge an open fault'))
    .argument('<id>', 'fault id', integer)
    .option('--by <name>', 'who acknowledges it (default: the OS user)')
    .option('--json', 'print the fault as JSON')
    .action(async (id: number, flags: StorageFlags & { by?: string, json?: boolean }) => {
      const fault = await withStorage(flags, async (storage) => await storage.faults.acknowledge(id, me(flags.by)))
      print(flags.json === true ? JSON.stringify(fault) : `fault ${fault.id} acknowledged by ${fault.acknowledgedBy ?? '-'}`)
    })

  storageFlags(faults.command('resolve').description('close a fault (open, acknowledged or auto-cleared)'))
    .argument('<id>', 'fault id', integer)
    .option('--by <name>', 'who resolves it (default: the OS user)')
    .option('--note <text>', 'what was done, for the case base and the timeline')
    .option('--json', 'print the fault as JSON')
    .action(async (id: number, flags: StorageFlags & { by?: string, note?: string, json?: boolean }) => {
      const fault = await withStorage(flags, async (storage) => await storage.faults.resolve(id, me(flags.by), flags.note))
      print(flags.json === true ? JSON.stringify(fault) : `fault ${fault.id} resolved by ${fault.resolvedBy ?? '-'}`)
    })
}
