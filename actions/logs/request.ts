/**
 * Asking a vehicle for a log: the window checked, an upload reserved for it
 * (refused when the vehicle holds too many unfinished ones), then the
 * log-upload command queued naming that upload. The API (POST
 * /api/v1/commands with diagnostic.logUpload) and the CLI (`pitwall
 * diagnostics log`) both ask here. The upload URL and token are not in the
 * stored command: the dispatcher has them issued at each delivery.
 */
import type { CommandStore } from '../../storage/commands.js'
import type { VehicleLogStore } from '../../storage/vehicle-logs.js'
import { PitwallError } from '../../runtime/errors.js'
import type { Command } from '../commands/model.js'
import { checkCommandTtl } from '../commands/policy.js'
import { LOG_KINDS, type LogKind, type LogUploadLimits, type VehicleLog } from './model.js'
import { checkLogWindow, type LogAskFields } from './policy.js'

export interface LogUploadAsk {
  vin: string
  fromMs: number
  toMs: number
  kind: string
  ttlMs: number
  requestedBy: string
}

export interface LogUploadStores {
  logs: Pick<VehicleLogStore, 'reserve' | 'attachCommand' | 'discard'>
  commands: Pick<CommandStore, 'enqueue'>
}

/** The queued command and its upload; `fields` name the request's fields in errors. */
export async function requestLogUpload (stores: LogUploadStores, ask: LogUploadAsk, limits: Pick<LogUploadLimits, 'unfinishedPerVehicle' | 'uploadWindowMs'>, fields: LogAskFields): Promise<{ command: Command, log: VehicleLog }> {
  if (!(LOG_KINDS as readonly string[]).includes(ask.kind)) {
    throw new PitwallError('PITWALL_ERR_BAD_REQUEST', `${fields.kind} ${JSON.stringify(ask.kind)} is not one of ${LOG_KINDS.join(', ')}`)
  }
  checkLogWindow(ask.fromMs, ask.toMs, fields)
  checkCommandTtl(ask.ttlMs)
  const log = await stores.logs.reserve({
    vin: ask.vin,
    kind: ask.kind as LogKind,
    fromMs: ask.fromMs,
    toMs: ask.toMs,
    uploadedBy: 'vehicle',
    requestedBy: ask.requestedBy,
    // the T-box may start the upload at the command's last moment, and a large log takes a while
    uploadWindowMs: ask.ttlMs + limits.uploadWindowMs,
    maxUnfinished: limits.unfinishedPerVehicle
  })
  let command: Command
  try {
    command = await stores.commands.enqueue({
      vin: ask.vin,
      body: { diagnostic: { logUpload: { fromMs: ask.fromMs, toMs: ask.toMs, kind: ask.kind, logId: log.id } } },
      ttlMs: ask.ttlMs,
      requestedBy: ask.requestedBy
    })
  } catch (err) {
    await stores.logs.discard(log.id)
    throw err
  }
  await stores.logs.attachCommand(log.id, command.id)
  return { command, log: { ...log, commandId: command.id } }
}
