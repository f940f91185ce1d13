/**
 * `pitwall diagnostics …`: ask a vehicle's ECUs something, as a signed
 * command on storage directly (a running gateway sends it on its next pass,
 * about a second; an offline vehicle gets it when it connects, until --ttl).
 * `--wait` stays until the vehicle answered and prints the answers decoded;
 * `show` prints them for a command sent earlier. Clearing DTCs waits for an
 * engineer's approval (`pitwall commands approve ID`). Logs of a time window
 * (`log`, `logs`, `replay`) are in ./logs.ts.
 */
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import { diagnosticCommand, type DiagnosticCommand, type DiagnosticRequestInput } from '../../actions/commands/diagnostic-body.js'
import { diagnosisOf, type Diagnosis } from '../../actions/commands/diagnosis.js'
import { DEFAULT_COMMAND_TTL_MS, FINAL_COMMAND_STATES, type Command } from '../../actions/commands/model.js'
import { checkCommandTtl } from '../../actions/commands/policy.js'
import type { MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { isPitwallError } from '../../runtime/errors.js'
import type { Storage } from '../../storage/index.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { durationMs, me } from './values.js'
import { registerLogCommands } from './logs.js'

interface SendFlags extends StorageFlags {
  target?: number
  timeoutMs?: number
  ttl: number
  by?: string
  wait?: number
  json?: boolean
}

/** `0x7E0`, `7E0h` is not taken: hex with 0x, or decimal */
export function byteOrId (value: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value.slice(2), 16) : /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not a number (decimal, or hex as 0x7E0)`)
  return n
}

const POLL_MS = 250

async function send (vin: string, spec: DiagnosticRequestInput, flags: SendFlags): Promise<void> {
  checkCommandTtl(flags.ttl)
  const { made, command, diagnosis } = await withStorage(flags, async (st) => {
    // DIDs asked by name are the vehicle model's (its decoder manifest), which only storage knows
    const dids = spec.kind === 'uds_read_did' && spec.dids.some((d) => typeof d === 'string') ? await st.manifests.makerDids(vin) : []
    const made = diagnosticRequest(spec, flags, dids)
    const queued = await st.commands.enqueue({ vin, body: made.body, ttlMs: flags.ttl, requestedBy: me(flags.by), needsApproval: made.needsApproval })
    const answered = flags.wait === undefined || made.needsApproval ? { command: queued, diagnosis: diagnosisOf(queued, null) } : await waitForAnswer(st, queued, flags.wait)
    return { made, ...answered }
  })
  if (flags.json === true) { print(JSON.stringify({ command, diagnosis })); return }
  print(`${command.id}\t${command.vin}\t${made.description}\t${command.state}${command.detail === null ? '' : `\t${command.detail}`}`)
  if (made.needsApproval) print(`waits for an engineer's approval: pitwall commands approve ${command.id}`)
  printAnswers(diagnosis)
}

function diagnosticRequest (spec: DiagnosticRequestInput, flags: SendFlags, dids: readonly MakerDid[]): DiagnosticCommand {
  try {
    return diagnosticCommand({ request: spec, target: flags.target, timeoutMs: flags.timeoutMs }, 'the request', dids)
  } catch (err) {
    if (isPitwallError(err, 'PITWALL_ERR_COMMAND_INVALID')) throw new InvalidArgumentError(err.message)
    throw err
  }
}

async function waitForAnswer (st: Storage, queued: Command, waitMs: number): Promise<{ command: Command, diagnosis: Diagnosis | null }> {
  const until = Date.now() + waitMs
  let command = queued
  while (!FINAL_COMMAND_STATES.includes(command.state) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    command = await st.commands.get(queued.id)
  }
  return { command, diagnosis: diagnosisOf(command, await st.commands.responses(command.id), await st.manifests.makerDids(command.vin)) }
}

function printAnswers (diagnosis: Diagnosis | null): void {
  for (const a of diagnosis?.answers ?? []) {
    print(`  ECU 0x${a.ecu.toString(16).toUpperCase()} (${a.elapsedMs} ms)\t${a.decoded.summary}`)
  }
}

function sendCommand (group: CliCommand, name: string, description: string): CliCommand {
  return storageFlags(group.command(name).description(description))
    .option('--target <id>', 'CAN request id, e.g. 0x7E0 (default 0x7DF: every OBD-II ECU)', byteOrId)
    .option('--timeout-ms <ms>', 'how long the T-box waits for answers', byteOrId)
    .option('--ttl <duration>', 'give up if the vehicle does not take it within this, e.g. 12h', durationMs, DEFAULT_COMMAND_TTL_MS)
    .option('--wait <duration>', 'wait this long for the answers and print them, e.g. 30s', durationMs)
    .option('--by <name>', 'who asks (default: the OS user)').option('--json', 'JSON output')
}

export function registerDiagnosticsCommands (program: CliCommand): void {
  const group = program.command('diagnostics').description('ask a vehicle\'s ECUs: DTCs, freeze frames, data by identifier, OBD-II PIDs and vehicle information; clear DTCs (with approval)')
  sendCommand(group, 'read-dtcs', 'UDS 0x19 0x02: DTCs by status mask').argument('<vin>').option('--mask <byte>', 'DTC status mask (default 0xFF)', byteOrId)
    .action(async (vin: string, flags: SendFlags & { mask?: number }) => { await send(vin, { kind: 'uds_read_dtcs', statusMask: flags.mask }, flags) })
  sendCommand(group, 'freeze-frame', 'UDS 0x19 0x04: a DTC\'s snapshot record').argument('<vin>').argument('<dtc>', 'e.g. P0217 or P0217-1A').option('--record <n>', 'snapshot record (default 0xFF: all)', byteOrId)
    .action(async (vin: string, dtc: string, flags: SendFlags & { record?: number }) => { await send(vin, { kind: 'uds_dtc_snapshot', dtc, record: flags.record }, flags) })
  sendCommand(group, 'extended-data', 'UDS 0x19 0x06: a DTC\'s extended data record').argument('<vin>').argument('<dtc>').option('--record <n>', 'record (default 0xFF: all)', byteOrId)
    .action(async (vin: string, dtc: string, flags: SendFlags & { record?: number }) => { await send(vin, { kind: 'uds_dtc_extended', dtc, record: flags.record }, flags) })
  sendCommand(group, 'read-did', 'UDS 0x22: data by identifier').argument('<vin>').argument('<did...>', 'e.g. 0xF190, or a name the model\'s decoder manifest gives a DID ("cell voltages")')
    .action(async (vin: string, dids: string[], flags: SendFlags) => { await send(vin, { kind: 'uds_read_did', dids: dids.map((d) => /^\d+$/.test(d) ? Number(d) : d) }, flags) })
  sendCommand(group, 'obd-pids', 'OBD-II service 01: current data').argument('<vin>').argument('<pid...>', 'e.g. 0x05 0x0C')
    .action(async (vin: string, pids: string[], flags: SendFlags) => { await send(vin, { kind: 'obd_read_pids', pids: pids.map(byteOrId) }, flags) })
  sendCommand(group, 'vehicle-info', 'OBD-II service 09: vehicle information (0x02 VIN, 0x04 calibration ids, 0x06 CVNs)').argument('<vin>').argument('<info-type>')
    .action(async (vin: string, info: string, flags: SendFlags) => { await send(vin, { kind: 'obd_vehicle_info', infoType: byteOrId(info) }, flags) })
  sendCommand(group, 'obd-dtcs', 'OBD-II service 03 (stored), 07 (pending) or 0A (permanent) DTCs').argument('<vin>')
    .option('--pending').option('--permanent')
    .action(async (vin: string, flags: SendFlags & { pending?: boolean, permanent?: boolean }) => {
      await send(vin, { kind: 'obd_dtcs', service: flags.permanent === true ? 0x0a : flags.pending === true ? 0x07 : 0x03 }, flags)
    })
  sendCommand(group, 'clear-dtcs', 'UDS 0x14 (or OBD-II 04 with --obd): clear DTCs; waits for an engineer\'s approval').argument('<vin>').option('--obd')
    .action(async (vin: string, flags: SendFlags & { obd?: boolean }) => { await send(vin, flags.obd === true ? { kind: 'obd_clear_dtcs' } : { kind: 'uds_clear_dtcs' }, flags) })
  sendCommand(group, 'raw', 'any request, as hex bytes (checked before it is sent)').argument('<vin>').argument('<hex>', 'e.g. 1902FF')
    .action(async (vin: string, hex: string, flags: SendFlags) => { await send(vin, { kind: 'raw', hex }, flags) })
  storageFlags(group.command('show').description('a diagnostic command and its answers, decoded')).argument('<id>').option('--json', 'JSON output')
    .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
      const { command, diagnosis } = await withStorage(flags, async (st) => {
        const c = await st.commands.get(id)
        return { command: c, diagnosis: diagnosisOf(c, await st.commands.responses(id), await st.manifests.makerDids(c.vin)) }
      })
      if (diagnosis === null) throw new InvalidArgumentError(`command ${id} is not a diagnostic request (pitwall commands show ${id})`)
      if (flags.json === true) { print(JSON.stringify({ command, diagnosis })); return }
      print(`${command.id}\t${command.vin}\t${diagnosis.request.description}\t${command.state}${command.detail === null ? '' : `\t${command.detail}`}`)
      printAnswers(diagnosis)
    })
  registerLogCommands(group)
}
