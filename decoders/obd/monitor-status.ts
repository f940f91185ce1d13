/**
 * SAE J1979 PID 0x01, monitor status since DTCs cleared (4 bytes):
 *   A7 MIL on, A6..A0 number of emission-related DTCs;
 *   B3 ignition type (0 spark, 1 compression), B0..B2 continuous monitors
 *   supported (misfire, fuel system, comprehensive components), B4..B6 the
 *   same monitors not complete;
 *   C0..C7 non-continuous monitors supported, D0..D7 the same not complete,
 *   whose meaning depends on B3 (spark or compression ignition).
 * The standard reports "not complete" bits; Pitwall turns them into
 * `…Complete` fields so 1 always means good news.
 */
import { IGNITION_TYPE, OFF_ON } from './obd-enums.js'
import type { PidField } from './pid-model.js'

type Ignition = 'any' | 'spark' | 'compression'

interface Monitor {
  readonly name: string
  /** 'B' monitors: supported B<bit>, incomplete B<bit+4>; 'C' monitors: supported C<bit>, incomplete D<bit> */
  readonly byte: 'B' | 'C'
  readonly bit: number
  readonly ignition: Ignition
}

const MONITORS: readonly Monitor[] = [
  { name: 'misfire', byte: 'B', bit: 0, ignition: 'any' },
  { name: 'fuelSystem', byte: 'B', bit: 1, ignition: 'any' },
  { name: 'components', byte: 'B', bit: 2, ignition: 'any' },
  { name: 'catalyst', byte: 'C', bit: 0, ignition: 'spark' },
  { name: 'heatedCatalyst', byte: 'C', bit: 1, ignition: 'spark' },
  { name: 'evaporativeSystem', byte: 'C', bit: 2, ignition: 'spark' },
  { name: 'secondaryAirSystem', byte: 'C', bit: 3, ignition: 'spark' },
  // C4 was the A/C refrigerant monitor; later J1979 editions reserve it, older vehicles still set it.
  { name: 'acRefrigerant', byte: 'C', bit: 4, ignition: 'spark' },
  { name: 'oxygenSensor', byte: 'C', bit: 5, ignition: 'spark' },
  { name: 'oxygenSensorHeater', byte: 'C', bit: 6, ignition: 'spark' },
  { name: 'egrSystem', byte: 'C', bit: 7, ignition: 'spark' },
  // Compression ignition: C2 and C4 are reserved.
  { name: 'nmhcCatalyst', byte: 'C', bit: 0, ignition: 'compression' },
  { name: 'noxAftertreatment', byte: 'C', bit: 1, ignition: 'compression' },
  { name: 'boostPressure', byte: 'C', bit: 3, ignition: 'compression' },
  { name: 'exhaustGasSensor', byte: 'C', bit: 5, ignition: 'compression' },
  { name: 'particulateFilter', byte: 'C', bit: 6, ignition: 'compression' },
  { name: 'egrVvtSystem', byte: 'C', bit: 7, ignition: 'compression' }
]

export const MONITOR_STATUS_FIELDS: readonly PidField[] = [
  { name: 'milOn', unit: '', catalog: 'Vehicle.OBD.Status.IsMILOn', labels: OFF_ON },
  { name: 'dtcCount', unit: '', catalog: 'Vehicle.OBD.Status.DTCCount' },
  { name: 'ignitionType', unit: '', labels: IGNITION_TYPE },
  ...MONITORS.flatMap((m): PidField[] => [
    { name: `${m.name}Supported`, unit: '' },
    // NaN when the monitor is not supported or belongs to the other ignition type
    { name: `${m.name}Complete`, unit: '' }
  ])
]

const bit = (byte: number, n: number): number => (byte >> n) & 1

function monitorBits (m: Monitor, b: number, c: number, d: number): { supported: number, incomplete: number } {
  return m.byte === 'B'
    ? { supported: bit(b, m.bit), incomplete: bit(b, m.bit + 4) }
    : { supported: bit(c, m.bit), incomplete: bit(d, m.bit) }
}

function applies (m: Monitor, compression: boolean): boolean {
  return m.ignition === 'any' || (m.ignition === 'compression') === compression
}

export function decodeMonitorStatus (data: Uint8Array, out: Float64Array, offset: number): void {
  const a = data[0] as number
  const b = data[1] as number
  const c = data[2] as number
  const d = data[3] as number
  const compression = bit(b, 3) === 1
  out[offset] = bit(a, 7)
  out[offset + 1] = a & 0x7f
  out[offset + 2] = compression ? 1 : 0
  let o = offset + 3
  for (const m of MONITORS) {
    if (!applies(m, compression)) {
      out[o++] = Number.NaN
      out[o++] = Number.NaN
      continue
    }
    const { supported, incomplete } = monitorBits(m, b, c, d)
    out[o++] = supported
    out[o++] = supported === 1 ? 1 - incomplete : Number.NaN
  }
}

export interface MonitorStatus {
  readonly milOn: boolean
  readonly dtcCount: number
  readonly ignition: 'spark' | 'compression'
  /** the monitors of this ignition type, supported or not */
  readonly monitors: ReadonlyArray<{ readonly name: string, readonly supported: boolean, readonly complete: boolean }>
}

/** PID 0x01 as one record, for a CLI or an alert; `data` holds at least 4 bytes. */
export function monitorStatus (data: Uint8Array): MonitorStatus {
  const b = data[1] as number
  const compression = bit(b, 3) === 1
  return {
    milOn: bit(data[0] as number, 7) === 1,
    dtcCount: (data[0] as number) & 0x7f,
    ignition: compression ? 'compression' : 'spark',
    monitors: MONITORS.filter((m) => applies(m, compression)).map((m) => {
      const { supported, incomplete } = monitorBits(m, b, data[2] as number, data[3] as number)
      return { name: m.name, supported: supported === 1, complete: supported === 1 && incomplete === 0 }
    })
  }
}
