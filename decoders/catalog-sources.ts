/**
 * Where each catalog signal can come from: the OBD-II PID fields and DBC
 * signals that feed it. Stored in signal_sources so an engineer can ask
 * "what measures Vehicle.Speed on this fleet" (and a rule author can see
 * which sources a rule will read).
 */
import type { CompiledCanNetwork } from './can/compile.js'
import { SERVICE01_PIDS } from './obd/pids.js'

export interface SignalSource {
  signalId: number
  kind: 'obd' | 'dbc' | 'ulog'
  /** stable text naming the source, e.g. "SAE J1979 01 0C EngineSpeed" or "bus 0 ECM_EngineData.EngineSpeed" */
  source: string
  unit: string
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0')

export function obdSignalSources (): SignalSource[] {
  const out: SignalSource[] = []
  for (const pid of SERVICE01_PIDS) {
    pid.fields.forEach((field, i) => {
      const id = pid.signalIds[i] as number
      if (id > 0) out.push({ signalId: id, kind: 'obd', source: `SAE J1979 01 ${hex2(pid.pid)} ${field.name}`, unit: field.unit })
    })
  }
  return out
}

export function dbcSignalSources (network: CompiledCanNetwork, catalogIds: Uint32Array): SignalSource[] {
  const out: SignalSource[] = []
  for (const { channel, bus, message, signal } of network.channels) {
    const id = catalogIds[channel] as number
    if (id > 0) out.push({ signalId: id, kind: 'dbc', source: `bus ${bus} ${message.name}.${signal.name}`, unit: signal.unit })
  }
  return out
}
