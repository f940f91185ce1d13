/**
 * A rule's remote fix, from the fault it raised to a command in the
 * vehicle's queue: sent at once when the rule says `approval: auto`, held
 * for an engineer when it says `engineer`. One fix per fault however often
 * the action is handled (commands_one_fix_per_fault). Whether the fix worked
 * is decided later by fresh data (the dispatcher's fix checks).
 */
import type { CommandStore } from '../../storage/commands.js'
import type { FaultStore } from '../../storage/faults.js'
import type { OtaPackageStore } from '../../storage/ota-packages.js'
import { DEFAULT_COMMAND_TTL_MS, type CommandBody } from '../commands/model.js'
import { checkCommandTtl } from '../commands/policy.js'
import type { FaultActionHandler } from './processor.js'

export interface RemoteFixDeps {
  faults: FaultStore
  commands: CommandStore
  packages: OtaPackageStore
  /** a command queued without approval: deliver it */
  queued: (vehicleId: number) => void
  /** how long a rule's fix may wait for its vehicle; default 24 h */
  ttlMs?: number
}

export function remoteFixHandler (deps: RemoteFixDeps): FaultActionHandler {
  return async (action) => {
    const fault = await deps.faults.get(action.faultId)
    const fix = fault.action
    if (fix?.type !== 'remote_fix') return { done: true, note: 'the rule names no remote fix' }
    let body: CommandBody
    if (fix.command === 'ota') {
      if (fix.package === undefined || fix.version === undefined) return { done: true, note: 'the rule\'s OTA fix names no package and version' }
      const p = await deps.packages.get(fix.package, fix.version)
      body = { ota: { package: p.package, version: p.version, url: p.url, sha256: p.sha256, size: p.size } }
    } else {
      if (fix.name === undefined) return { done: true, note: 'the rule\'s remote action has no name' }
      body = { action: { name: fix.name, params: fix.params ?? {} } }
    }
    const ttlMs = deps.ttlMs ?? DEFAULT_COMMAND_TTL_MS
    checkCommandTtl(ttlMs)
    try {
      const command = await deps.commands.enqueue({
        vin: fault.vin,
        body,
        ttlMs,
        requestedBy: `rule:${fault.ruleId}`,
        needsApproval: fix.approval === 'engineer',
        faultId: fault.id
      })
      if (command.state === 'queued') deps.queued(command.vehicleId)
      return { done: true, note: `command ${command.id} ${command.state.replaceAll('_', ' ')}` }
    } catch (err) {
      // handled before, and the gateway stopped before it could say so
      if ((err as { code?: unknown }).code === '23505') return { done: true, note: 'command already queued for this fault' }
      throw err
    }
  }
}
