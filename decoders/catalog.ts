/**
 * The signal catalog: stable numeric ids for the signals Pitwall stores and
 * rules read, named after the COVESA Vehicle Signal Specification (VSS) where
 * VSS has a name, with their units.
 *
 * Ids are part of the wire contract (SignalBlock.signal_id carries them), so an
 * id is never reused for another signal. Storage seeds its signal_catalog
 * table from this list at start-up.
 */
export interface CatalogSignal {
  readonly id: number
  readonly name: string
  readonly unit: string
  /**
   * The range every value of the signal lies in, declared only where the
   * quantity bounds itself (a share of a whole, a WGS-84 angle, a flag): an
   * edge-decoded value outside it is counted and left out (telemetry-rows.ts).
   * A range guessed from typical values would drop real readings.
   */
  readonly min?: number
  readonly max?: number
}

/** A share of a whole, 0..100 % (VSS gives these min 0, max 100; SAE J1979's 100A/255 spans exactly that). */
const SHARE = { min: 0, max: 100 } as const

export const SIGNAL_CATALOG: readonly CatalogSignal[] = [
  { id: 1, name: 'Vehicle.Speed', unit: 'km/h' },
  { id: 2, name: 'Vehicle.Powertrain.CombustionEngine.Speed', unit: 'rpm' },
  { id: 3, name: 'Vehicle.Powertrain.CombustionEngine.ECT', unit: 'degC' },
  { id: 4, name: 'Vehicle.LowVoltageBattery.CurrentVoltage', unit: 'V' },
  { id: 5, name: 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current', unit: '%', ...SHARE },
  { id: 6, name: 'Vehicle.Powertrain.TractionBattery.CurrentVoltage', unit: 'V' },
  { id: 7, name: 'Vehicle.Powertrain.TractionBattery.CellVoltage.Max', unit: 'V' },
  { id: 8, name: 'Vehicle.Powertrain.TractionBattery.CellVoltage.Min', unit: 'V' },
  { id: 9, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure', unit: 'kPa' },
  { id: 10, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure', unit: 'kPa' },
  { id: 11, name: 'Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure', unit: 'kPa' },
  { id: 12, name: 'Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure', unit: 'kPa' },
  { id: 13, name: 'Vehicle.TraveledDistance', unit: 'km' },
  { id: 14, name: 'Vehicle.OBD.ControlModuleVoltage', unit: 'V' },
  { id: 15, name: 'Vehicle.Powertrain.FuelSystem.RelativeLevel', unit: '%', ...SHARE },
  { id: 16, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear', unit: '%', ...SHARE },
  { id: 17, name: 'Vehicle.Powertrain.CombustionEngine.EngineHours', unit: 'h' },
  { id: 18, name: 'Vehicle.Exterior.AirTemperature', unit: 'degC' },
  { id: 19, name: 'Vehicle.Powertrain.TractionBattery.Temperature.Average', unit: 'degC' },
  // SAE J1979 service 01 PIDs (decoders/obd/pids.ts), under VSS's Vehicle.OBD branch
  { id: 20, name: 'Vehicle.OBD.Status.IsMILOn', unit: '', min: 0, max: 1 },
  { id: 21, name: 'Vehicle.OBD.Status.DTCCount', unit: '' },
  { id: 22, name: 'Vehicle.OBD.EngineLoad', unit: '%', ...SHARE },
  { id: 23, name: 'Vehicle.OBD.ShortTermFuelTrim1', unit: '%' },
  { id: 24, name: 'Vehicle.OBD.LongTermFuelTrim1', unit: '%' },
  { id: 25, name: 'Vehicle.OBD.ShortTermFuelTrim2', unit: '%' },
  { id: 26, name: 'Vehicle.OBD.LongTermFuelTrim2', unit: '%' },
  { id: 27, name: 'Vehicle.OBD.FuelPressure', unit: 'kPa' },
  { id: 28, name: 'Vehicle.OBD.MAP', unit: 'kPa' },
  { id: 29, name: 'Vehicle.OBD.TimingAdvance', unit: 'deg' },
  { id: 30, name: 'Vehicle.OBD.IntakeTemp', unit: 'degC' },
  { id: 31, name: 'Vehicle.OBD.MAF', unit: 'g/s' },
  { id: 32, name: 'Vehicle.OBD.ThrottlePosition', unit: '%', ...SHARE },
  { id: 33, name: 'Vehicle.OBD.RunTime', unit: 's' },
  { id: 34, name: 'Vehicle.OBD.DistanceWithMIL', unit: 'km' },
  { id: 35, name: 'Vehicle.OBD.FuelRailPressureVac', unit: 'kPa' },
  { id: 36, name: 'Vehicle.OBD.FuelRailPressureDirect', unit: 'kPa' },
  { id: 37, name: 'Vehicle.OBD.CommandedEGR', unit: '%', ...SHARE },
  { id: 38, name: 'Vehicle.OBD.EGRError', unit: '%' },
  { id: 39, name: 'Vehicle.OBD.CommandedEVAP', unit: '%', ...SHARE },
  { id: 40, name: 'Vehicle.OBD.WarmupsSinceDTCClear', unit: '' },
  { id: 41, name: 'Vehicle.OBD.DistanceSinceDTCClear', unit: 'km' },
  { id: 42, name: 'Vehicle.OBD.EVAPVaporPressure', unit: 'Pa' },
  { id: 43, name: 'Vehicle.OBD.BarometricPressure', unit: 'kPa' },
  { id: 44, name: 'Vehicle.OBD.Catalyst.Bank1.Temperature1', unit: 'degC' },
  { id: 45, name: 'Vehicle.OBD.Catalyst.Bank2.Temperature1', unit: 'degC' },
  { id: 46, name: 'Vehicle.OBD.Catalyst.Bank1.Temperature2', unit: 'degC' },
  { id: 47, name: 'Vehicle.OBD.Catalyst.Bank2.Temperature2', unit: 'degC' },
  { id: 48, name: 'Vehicle.OBD.AbsoluteLoad', unit: '%' },
  { id: 49, name: 'Vehicle.OBD.CommandedEquivalenceRatio', unit: 'ratio' },
  { id: 50, name: 'Vehicle.OBD.RelativeThrottlePosition', unit: '%', ...SHARE },
  { id: 51, name: 'Vehicle.OBD.ThrottlePositionB', unit: '%', ...SHARE },
  { id: 52, name: 'Vehicle.OBD.ThrottlePositionC', unit: '%', ...SHARE },
  { id: 53, name: 'Vehicle.OBD.AcceleratorPositionD', unit: '%', ...SHARE },
  { id: 54, name: 'Vehicle.OBD.AcceleratorPositionE', unit: '%', ...SHARE },
  { id: 55, name: 'Vehicle.OBD.AcceleratorPositionF', unit: '%', ...SHARE },
  { id: 56, name: 'Vehicle.OBD.ThrottleActuator', unit: '%', ...SHARE },
  { id: 57, name: 'Vehicle.OBD.RunTimeMIL', unit: 'min' },
  { id: 58, name: 'Vehicle.OBD.TimeSinceDTCCleared', unit: 'min' },
  { id: 59, name: 'Vehicle.OBD.MaxMAF', unit: 'g/s' },
  { id: 60, name: 'Vehicle.OBD.EthanolPercent', unit: '%', ...SHARE },
  { id: 61, name: 'Vehicle.OBD.EVAPVaporPressureAbsolute', unit: 'kPa' },
  { id: 62, name: 'Vehicle.OBD.EVAPVaporPressureAlternate', unit: 'Pa' },
  { id: 63, name: 'Vehicle.OBD.FuelRailPressureAbsolute', unit: 'kPa' },
  { id: 64, name: 'Vehicle.OBD.RelativeAcceleratorPosition', unit: '%', ...SHARE },
  { id: 65, name: 'Vehicle.OBD.HybridBatteryRemaining', unit: '%', ...SHARE },
  { id: 66, name: 'Vehicle.OBD.OilTemperature', unit: 'degC' },
  { id: 67, name: 'Vehicle.OBD.FuelInjectionTiming', unit: 'deg' },
  { id: 68, name: 'Vehicle.OBD.FuelRate', unit: 'l/h' },
  // GNSS fixes as signals, so rules (geofences, "stationary") read them like any other
  { id: 69, name: 'Vehicle.CurrentLocation.Latitude', unit: 'deg', min: -90, max: 90 },
  { id: 70, name: 'Vehicle.CurrentLocation.Longitude', unit: 'deg', min: -180, max: 180 }
]

/**
 * Built-in ids stay below this; signals decoder manifests add get ids from
 * here on (the sequence in storage/migrations/011_decoder_manifests.sql).
 */
export const FIRST_ADDED_SIGNAL_ID = 1000

const byId = new Map(SIGNAL_CATALOG.map((s) => [s.id, s]))
const byName = new Map(SIGNAL_CATALOG.map((s) => [s.name, s]))

export function catalogSignalById (id: number): CatalogSignal | undefined {
  return byId.get(id)
}

export function catalogSignalByName (name: string): CatalogSignal | undefined {
  return byName.get(name)
}
