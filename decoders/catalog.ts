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
}

export const SIGNAL_CATALOG: readonly CatalogSignal[] = [
  { id: 1, name: 'Vehicle.Speed', unit: 'km/h' },
  { id: 2, name: 'Vehicle.Powertrain.CombustionEngine.Speed', unit: 'rpm' },
  { id: 3, name: 'Vehicle.Powertrain.CombustionEngine.ECT', unit: 'degC' },
  { id: 4, name: 'Vehicle.LowVoltageBattery.CurrentVoltage', unit: 'V' },
  { id: 5, name: 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current', unit: '%' },
  { id: 6, name: 'Vehicle.Powertrain.TractionBattery.CurrentVoltage', unit: 'V' },
  { id: 7, name: 'Vehicle.Powertrain.TractionBattery.CellVoltage.Max', unit: 'V' },
  { id: 8, name: 'Vehicle.Powertrain.TractionBattery.CellVoltage.Min', unit: 'V' },
  { id: 9, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure', unit: 'kPa' },
  { id: 10, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure', unit: 'kPa' },
  { id: 11, name: 'Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure', unit: 'kPa' },
  { id: 12, name: 'Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure', unit: 'kPa' },
  { id: 13, name: 'Vehicle.TraveledDistance', unit: 'km' },
  { id: 14, name: 'Vehicle.OBD.ControlModuleVoltage', unit: 'V' },
  { id: 15, name: 'Vehicle.Powertrain.FuelSystem.RelativeLevel', unit: '%' },
  { id: 16, name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear', unit: '%' },
  { id: 17, name: 'Vehicle.Powertrain.CombustionEngine.EngineHours', unit: 'h' },
  { id: 18, name: 'Vehicle.Exterior.AirTemperature', unit: 'degC' },
  { id: 19, name: 'Vehicle.Powertrain.TractionBattery.Temperature.Average', unit: 'degC' }
]

const byId = new Map(SIGNAL_CATALOG.map((s) => [s.id, s]))
const byName = new Map(SIGNAL_CATALOG.map((s) => [s.name, s]))

export function catalogSignalById (id: number): CatalogSignal | undefined {
  return byId.get(id)
}

export function catalogSignalByName (name: string): CatalogSignal | undefined {
  return byName.get(name)
}
