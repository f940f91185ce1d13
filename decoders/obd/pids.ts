/**
 * The SAE J1979 service 01 PID table: each PID's exact data length and the
 * formula from its data bytes A, B, C, D … to named values, with the catalog
 * signal a value is stored as. A PID not listed here is kept in the raw batch,
 * just not decoded.
 */
import { decodeMonitorStatus, MONITOR_STATUS_FIELDS } from './monitor-status.js'
import { FUEL_SYSTEM_STATUS, FUEL_TYPE, OBD_STANDARD, OFF_ON, SECONDARY_AIR_STATUS } from './obd-enums.js'
import {
  byteAt, celsius, centeredPercent, definePid, percent, s16, scalarPid, u16, u32,
  type PidDefinition
} from './pid-model.js'

export type { PidDefinition, PidField } from './pid-model.js'

const A = (d: Uint8Array): number => byteAt(d, 0)
const B = (d: Uint8Array): number => byteAt(d, 1)

/** SAE J1979 PIDs 0x00, 0x20 … 0xE0: bit 31 (A7) = PID base+1 supported … bit 0 (D0) = base+0x20. */
const SUPPORTED_PID_BASES = [0x00, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xc0, 0xe0]

const bitmapPids = SUPPORTED_PID_BASES.map((base) => scalarPid(base, `PIDs supported [${hexPid(base + 1)} - ${hexPid(base + 0x20)}]`, 4,
  { name: 'supportedBitmap', unit: '' }, (d) => u32(d, 0)))

/** SAE J1979 PIDs 0x14-0x1B: oxygen sensor 1..8 voltage A/200 V; short term fuel trim (100/128)B - 100 %, B = 0xFF: sensor not used for trim. */
const narrowO2 = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => definePid(0x13 + n, `Oxygen sensor ${n}: voltage, short term fuel trim`, 2, [
  { name: 'voltage', unit: 'V' },
  { name: 'shortTermFuelTrim', unit: '%' }
], (d, out, o) => {
  out[o] = A(d) / 200
  out[o + 1] = B(d) === 0xff ? Number.NaN : centeredPercent(B(d))
}))

/** SAE J1979 PIDs 0x24-0x2B: wide-range O2 sensor 1..8, lambda (2/65536)(256A+B), voltage (8/65536)(256C+D) V. */
const wideO2Voltage = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => definePid(0x23 + n, `Oxygen sensor ${n} (wide range): equivalence ratio, voltage`, 4, [
  { name: 'lambda', unit: 'ratio' },
  { name: 'voltage', unit: 'V' }
], (d, out, o) => {
  out[o] = (2 * u16(d, 0)) / 65536
  out[o + 1] = (8 * u16(d, 2)) / 65536
}))

/** SAE J1979 PIDs 0x34-0x3B: wide-range O2 sensor 1..8, lambda (2/65536)(256A+B), current (256C+D)/256 - 128 mA. */
const wideO2Current = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => definePid(0x33 + n, `Oxygen sensor ${n} (wide range): equivalence ratio, current`, 4, [
  { name: 'lambda', unit: 'ratio' },
  { name: 'current', unit: 'mA' }
], (d, out, o) => {
  out[o] = (2 * u16(d, 0)) / 65536
  out[o + 1] = u16(d, 2) / 256 - 128
}))

/** SAE J1979 PIDs 0x3C-0x3F catalyst temperature: (256A+B)/10 - 40 degC. */
const catalystTemps = [
  [0x3c, 'Bank1', 1], [0x3d, 'Bank2', 1], [0x3e, 'Bank1', 2], [0x3f, 'Bank2', 2]
].map(([pid, bank, sensor]) => scalarPid(pid as number, `Catalyst temperature ${String(bank)} sensor ${String(sensor)}`, 2,
  { name: 'temperature', unit: 'degC', catalog: `Vehicle.OBD.Catalyst.${String(bank)}.Temperature${String(sensor)}` },
  (d) => u16(d, 0) / 10 - 40))

/** SAE J1979 PIDs 0x55-0x58 secondary O2 sensor trim: A bank 1/2, B bank 3/4, (100/128)X - 100 %. */
const secondaryO2Trims = [
  [0x55, 'Short', 1, 3], [0x56, 'Long', 1, 3], [0x57, 'Short', 2, 4], [0x58, 'Long', 2, 4]
].map(([pid, term, bankA, bankB]) => definePid(pid as number, `${String(term)} term secondary O2 sensor trim, banks ${String(bankA)} and ${String(bankB)}`, 2, [
  { name: `bank${String(bankA)}`, unit: '%' },
  { name: `bank${String(bankB)}`, unit: '%' }
], (d, out, o) => {
  out[o] = centeredPercent(A(d))
  out[o + 1] = centeredPercent(B(d))
}))

const MODE01_PIDS: readonly PidDefinition[] = [
  ...bitmapPids,
  definePid(0x01, 'Monitor status since DTCs cleared', 4, MONITOR_STATUS_FIELDS, decodeMonitorStatus),
  // 0x02 freeze frame DTC (meaningful in service 02): the 2-byte SAE J2012 code, 0 = no freeze frame
  scalarPid(0x02, 'DTC that caused the freeze frame', 2, { name: 'dtc', unit: '' }, (d) => u16(d, 0)),
  definePid(0x03, 'Fuel system status', 2, [
    { name: 'system1', unit: '', labels: FUEL_SYSTEM_STATUS },
    { name: 'system2', unit: '', labels: FUEL_SYSTEM_STATUS }
  ], (d, out, o) => { out[o] = A(d); out[o + 1] = B(d) }),
  // 0x04 calculated engine load: 100A/255 %
  scalarPid(0x04, 'Calculated engine load', 1, { name: 'load', unit: '%', catalog: 'Vehicle.OBD.EngineLoad' }, (d) => percent(A(d))),
  // 0x05 engine coolant temperature: A - 40 degC
  scalarPid(0x05, 'Engine coolant temperature', 1, { name: 'temperature', unit: 'degC', catalog: 'Vehicle.Powertrain.CombustionEngine.ECT' }, (d) => celsius(A(d))),
  // 0x06-0x09 fuel trims: (100/128)A - 100 %, negative = leaner
  scalarPid(0x06, 'Short term fuel trim, bank 1', 1, { name: 'trim', unit: '%', catalog: 'Vehicle.OBD.ShortTermFuelTrim1' }, (d) => centeredPercent(A(d))),
  scalarPid(0x07, 'Long term fuel trim, bank 1', 1, { name: 'trim', unit: '%', catalog: 'Vehicle.OBD.LongTermFuelTrim1' }, (d) => centeredPercent(A(d))),
  scalarPid(0x08, 'Short term fuel trim, bank 2', 1, { name: 'trim', unit: '%', catalog: 'Vehicle.OBD.ShortTermFuelTrim2' }, (d) => centeredPercent(A(d))),
  scalarPid(0x09, 'Long term fuel trim, bank 2', 1, { name: 'trim', unit: '%', catalog: 'Vehicle.OBD.LongTermFuelTrim2' }, (d) => centeredPercent(A(d))),
  // 0x0A fuel pressure (gauge): 3A kPa
  scalarPid(0x0a, 'Fuel pressure', 1, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.FuelPressure' }, (d) => 3 * A(d)),
  // 0x0B intake manifold absolute pressure: A kPa
  scalarPid(0x0b, 'Intake manifold absolute pressure', 1, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.MAP' }, A),
  // 0x0C engine speed: (256A + B) / 4 rpm
  scalarPid(0x0c, 'Engine speed', 2, { name: 'speed', unit: 'rpm', catalog: 'Vehicle.Powertrain.CombustionEngine.Speed' }, (d) => u16(d, 0) / 4),
  // 0x0D vehicle speed: A km/h
  scalarPid(0x0d, 'Vehicle speed', 1, { name: 'speed', unit: 'km/h', catalog: 'Vehicle.Speed' }, A),
  // 0x0E timing advance: A/2 - 64 degrees before TDC
  scalarPid(0x0e, 'Timing advance', 1, { name: 'advance', unit: 'deg', catalog: 'Vehicle.OBD.TimingAdvance' }, (d) => A(d) / 2 - 64),
  // 0x0F intake air temperature: A - 40 degC
  scalarPid(0x0f, 'Intake air temperature', 1, { name: 'temperature', unit: 'degC', catalog: 'Vehicle.OBD.IntakeTemp' }, (d) => celsius(A(d))),
  // 0x10 mass air flow: (256A + B) / 100 g/s
  scalarPid(0x10, 'Mass air flow rate', 2, { name: 'flow', unit: 'g/s', catalog: 'Vehicle.OBD.MAF' }, (d) => u16(d, 0) / 100),
  // 0x11 throttle position: 100A/255 %
  scalarPid(0x11, 'Throttle position', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.ThrottlePosition' }, (d) => percent(A(d))),
  scalarPid(0x12, 'Commanded secondary air status', 1, { name: 'status', unit: '', labels: SECONDARY_AIR_STATUS }, A),
  // 0x13 / 0x1D: which O2 sensors exist, one bit per sensor (0x13: A0..A3 bank 1, A4..A7 bank 2)
  scalarPid(0x13, 'Oxygen sensors present (2 banks)', 1, { name: 'sensors', unit: '' }, A),
  ...narrowO2,
  scalarPid(0x1c, 'OBD standards this vehicle conforms to', 1, { name: 'standard', unit: '', labels: OBD_STANDARD }, A),
  scalarPid(0x1d, 'Oxygen sensors present (4 banks)', 1, { name: 'sensors', unit: '' }, A),
  // 0x1E auxiliary input status: A0 power take-off active
  scalarPid(0x1e, 'Auxiliary input status', 1, { name: 'ptoActive', unit: '', labels: OFF_ON }, (d) => A(d) & 1),
  // 0x1F run time since engine start: 256A + B s
  scalarPid(0x1f, 'Run time since engine start', 2, { name: 'time', unit: 's', catalog: 'Vehicle.OBD.RunTime' }, (d) => u16(d, 0)),
  // 0x21 distance traveled with MIL on: 256A + B km
  scalarPid(0x21, 'Distance traveled with MIL on', 2, { name: 'distance', unit: 'km', catalog: 'Vehicle.OBD.DistanceWithMIL' }, (d) => u16(d, 0)),
  // 0x22 fuel rail pressure relative to manifold vacuum: 0.079(256A + B) kPa
  scalarPid(0x22, 'Fuel rail pressure (relative to manifold vacuum)', 2, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.FuelRailPressureVac' }, (d) => 0.079 * u16(d, 0)),
  // 0x23 fuel rail gauge pressure (diesel, gasoline direct injection): 10(256A + B) kPa
  scalarPid(0x23, 'Fuel rail gauge pressure', 2, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.FuelRailPressureDirect' }, (d) => 10 * u16(d, 0)),
  ...wideO2Voltage,
  // 0x2C commanded EGR: 100A/255 %; 0x2D EGR error: (100/128)A - 100 %; 0x2E commanded evaporative purge: 100A/255 %
  scalarPid(0x2c, 'Commanded EGR', 1, { name: 'egr', unit: '%', catalog: 'Vehicle.OBD.CommandedEGR' }, (d) => percent(A(d))),
  scalarPid(0x2d, 'EGR error', 1, { name: 'error', unit: '%', catalog: 'Vehicle.OBD.EGRError' }, (d) => centeredPercent(A(d))),
  scalarPid(0x2e, 'Commanded evaporative purge', 1, { name: 'purge', unit: '%', catalog: 'Vehicle.OBD.CommandedEVAP' }, (d) => percent(A(d))),
  // 0x2F fuel tank level input: 100A/255 %
  scalarPid(0x2f, 'Fuel tank level input', 1, { name: 'level', unit: '%', catalog: 'Vehicle.Powertrain.FuelSystem.RelativeLevel' }, (d) => percent(A(d))),
  // 0x30 warm-ups since codes cleared: A
  scalarPid(0x30, 'Warm-ups since codes cleared', 1, { name: 'count', unit: '', catalog: 'Vehicle.OBD.WarmupsSinceDTCClear' }, A),
  // 0x31 distance traveled since codes cleared: 256A + B km
  scalarPid(0x31, 'Distance traveled since codes cleared', 2, { name: 'distance', unit: 'km', catalog: 'Vehicle.OBD.DistanceSinceDTCClear' }, (d) => u16(d, 0)),
  // 0x32 evap system vapor pressure: signed (256A + B) / 4 Pa
  scalarPid(0x32, 'Evap system vapor pressure', 2, { name: 'pressure', unit: 'Pa', catalog: 'Vehicle.OBD.EVAPVaporPressure' }, (d) => s16(d, 0) / 4),
  // 0x33 absolute barometric pressure: A kPa
  scalarPid(0x33, 'Absolute barometric pressure', 1, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.BarometricPressure' }, A),
  ...wideO2Current,
  ...catalystTemps,
  // 0x41 monitor status this drive cycle: the layout of 0x01 with A reserved; here `…Supported`
  // reads as "enabled this drive cycle" and `…Complete` as "completed this drive cycle"
  definePid(0x41, 'Monitor status this drive cycle', 4, MONITOR_STATUS_FIELDS.slice(2), (d, out, o) => {
    decodeMonitorStatus(d, SCRATCH, 0)
    for (let i = 2; i < MONITOR_STATUS_FIELDS.length; i++) out[o + i - 2] = SCRATCH[i] as number
  }),
  // 0x42 control module voltage: (256A + B) / 1000 V
  scalarPid(0x42, 'Control module voltage', 2, { name: 'voltage', unit: 'V', catalog: 'Vehicle.OBD.ControlModuleVoltage' }, (d) => u16(d, 0) / 1000),
  // 0x43 absolute load value: 100(256A + B)/255 %, can exceed 100 % on boosted engines
  scalarPid(0x43, 'Absolute load value', 2, { name: 'load', unit: '%', catalog: 'Vehicle.OBD.AbsoluteLoad' }, (d) => (100 * u16(d, 0)) / 255),
  // 0x44 commanded air-fuel equivalence ratio: (2/65536)(256A + B)
  scalarPid(0x44, 'Commanded air-fuel equivalence ratio', 2, { name: 'lambda', unit: 'ratio', catalog: 'Vehicle.OBD.CommandedEquivalenceRatio' }, (d) => (2 * u16(d, 0)) / 65536),
  // 0x45 relative throttle position: 100A/255 %
  scalarPid(0x45, 'Relative throttle position', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.RelativeThrottlePosition' }, (d) => percent(A(d))),
  // 0x46 ambient air temperature: A - 40 degC
  scalarPid(0x46, 'Ambient air temperature', 1, { name: 'temperature', unit: 'degC', catalog: 'Vehicle.Exterior.AirTemperature' }, (d) => celsius(A(d))),
  // 0x47-0x4C throttle and pedal positions: 100A/255 %
  scalarPid(0x47, 'Absolute throttle position B', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.ThrottlePositionB' }, (d) => percent(A(d))),
  scalarPid(0x48, 'Absolute throttle position C', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.ThrottlePositionC' }, (d) => percent(A(d))),
  scalarPid(0x49, 'Accelerator pedal position D', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.AcceleratorPositionD' }, (d) => percent(A(d))),
  scalarPid(0x4a, 'Accelerator pedal position E', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.AcceleratorPositionE' }, (d) => percent(A(d))),
  scalarPid(0x4b, 'Accelerator pedal position F', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.AcceleratorPositionF' }, (d) => percent(A(d))),
  scalarPid(0x4c, 'Commanded throttle actuator', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.ThrottleActuator' }, (d) => percent(A(d))),
  // 0x4D time run with MIL on, 0x4E time since codes cleared: 256A + B min
  scalarPid(0x4d, 'Time run with MIL on', 2, { name: 'time', unit: 'min', catalog: 'Vehicle.OBD.RunTimeMIL' }, (d) => u16(d, 0)),
  scalarPid(0x4e, 'Time since trouble codes cleared', 2, { name: 'time', unit: 'min', catalog: 'Vehicle.OBD.TimeSinceDTCCleared' }, (d) => u16(d, 0)),
  // 0x50 maximum air flow rate from the MAF sensor: 10A g/s (B, C, D reserved)
  scalarPid(0x50, 'Maximum mass air flow rate', 4, { name: 'flow', unit: 'g/s', catalog: 'Vehicle.OBD.MaxMAF' }, (d) => 10 * A(d)),
  scalarPid(0x51, 'Fuel type', 1, { name: 'fuelType', unit: '', labels: FUEL_TYPE }, A),
  // 0x52 ethanol fuel: 100A/255 %
  scalarPid(0x52, 'Ethanol fuel percentage', 1, { name: 'ethanol', unit: '%', catalog: 'Vehicle.OBD.EthanolPercent' }, (d) => percent(A(d))),
  // 0x53 absolute evap system vapor pressure: (256A + B) / 200 kPa
  scalarPid(0x53, 'Absolute evap system vapor pressure', 2, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.EVAPVaporPressureAbsolute' }, (d) => u16(d, 0) / 200),
  // 0x54 evap system vapor pressure, wider range: signed 256A + B Pa
  scalarPid(0x54, 'Evap system vapor pressure (wide range)', 2, { name: 'pressure', unit: 'Pa', catalog: 'Vehicle.OBD.EVAPVaporPressureAlternate' }, (d) => s16(d, 0)),
  ...secondaryO2Trims,
  // 0x59 fuel rail absolute pressure: 10(256A + B) kPa
  scalarPid(0x59, 'Fuel rail absolute pressure', 2, { name: 'pressure', unit: 'kPa', catalog: 'Vehicle.OBD.FuelRailPressureAbsolute' }, (d) => 10 * u16(d, 0)),
  // 0x5A relative accelerator pedal position, 0x5B hybrid battery pack remaining life: 100A/255 %
  scalarPid(0x5a, 'Relative accelerator pedal position', 1, { name: 'position', unit: '%', catalog: 'Vehicle.OBD.RelativeAcceleratorPosition' }, (d) => percent(A(d))),
  scalarPid(0x5b, 'Hybrid battery pack remaining life', 1, { name: 'remaining', unit: '%', catalog: 'Vehicle.OBD.HybridBatteryRemaining' }, (d) => percent(A(d))),
  // 0x5C engine oil temperature: A - 40 degC
  scalarPid(0x5c, 'Engine oil temperature', 1, { name: 'temperature', unit: 'degC', catalog: 'Vehicle.OBD.OilTemperature' }, (d) => celsius(A(d))),
  // 0x5D fuel injection timing: (256A + B) / 128 - 210 degrees
  scalarPid(0x5d, 'Fuel injection timing', 2, { name: 'timing', unit: 'deg', catalog: 'Vehicle.OBD.FuelInjectionTiming' }, (d) => u16(d, 0) / 128 - 210),
  // 0x5E engine fuel rate: (256A + B) / 20 L/h
  scalarPid(0x5e, 'Engine fuel rate', 2, { name: 'rate', unit: 'l/h', catalog: 'Vehicle.OBD.FuelRate' }, (d) => u16(d, 0) / 20),
  // 0x61 driver's demand / 0x62 actual engine percent torque: A - 125 %
  scalarPid(0x61, "Driver's demand engine percent torque", 1, { name: 'torque', unit: '%' }, (d) => A(d) - 125),
  scalarPid(0x62, 'Actual engine percent torque', 1, { name: 'torque', unit: '%' }, (d) => A(d) - 125),
  // 0x63 engine reference torque: 256A + B Nm
  scalarPid(0x63, 'Engine reference torque', 2, { name: 'torque', unit: 'Nm' }, (d) => u16(d, 0)),
  // 0xA6 odometer: (A<<24 | B<<16 | C<<8 | D) / 10 km
  scalarPid(0xa6, 'Odometer', 4, { name: 'distance', unit: 'km', catalog: 'Vehicle.TraveledDistance' }, (d) => u32(d, 0) / 10)
]

const SCRATCH = new Float64Array(MONITOR_STATUS_FIELDS.length)

const byPid = new Map(MODE01_PIDS.map((p) => [p.pid, p]))

/** Every PID Pitwall decodes, in PID order. */
export const SERVICE01_PIDS: readonly PidDefinition[] = [...MODE01_PIDS].sort((x, y) => x.pid - y.pid)

/** Most values one PID yields: the size of a scratch array that fits every decode. */
export const MAX_PID_FIELDS = Math.max(...MODE01_PIDS.map((p) => p.fields.length))

/** The definition of a service 01 PID, if Pitwall decodes it. */
export function mode01Pid (pid: number): PidDefinition | undefined {
  return byPid.get(pid)
}

/**
 * The PIDs a supported-PIDs bitmap response (PID 0x00, 0x20 … 0xE0) names.
 * SAE J1979: bit A7 is PID base+0x01, D0 is base+0x20; the last one says
 * whether the next bitmap PID is supported, so it is listed like any other.
 */
export function supportedPids (bitmapPid: number, data: Uint8Array): number[] {
  const pids: number[] = []
  const n = Math.min(4, data.length)
  for (let i = 0; i < n; i++) {
    const byte = data[i] as number
    for (let b = 7; b >= 0; b--) {
      if (((byte >> b) & 1) === 1) pids.push(bitmapPid + i * 8 + (8 - b))
    }
  }
  return pids
}

function hexPid (pid: number): string {
  return pid.toString(16).toUpperCase().padStart(2, '0')
}
