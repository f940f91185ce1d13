/**
 * The demo vehicle's ECUs: what each message of sim/demo-vehicle.dbc carries
 * given the vehicle's state. Physical values by message and signal name, as
 * encodeMessage takes them; a multiplexed message lists the signals of every
 * page and the scheduler picks the page.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CanDatabase } from '../decoders/can/model.js'
import { parseDbc } from '../decoders/can/dbc-parse.js'
import { PLACARD_PRESSURE_KPA, type VehicleState } from './vehicle-model.js'

export type MessageValues = Record<string, Record<string, number>>

const DEMO_DBC_URL = new URL('./demo-vehicle.dbc', import.meta.url)
/** Path of sim/demo-vehicle.dbc, for a gateway decoding the demo fleet (`--can-dbc 0=...`). */
export const DEMO_DBC_FILE = fileURLToPath(DEMO_DBC_URL)

let demoDatabase: CanDatabase | undefined

/** sim/demo-vehicle.dbc, parsed once (the build copies it beside the compiled sim). */
export function loadDemoDatabase (): CanDatabase {
  demoDatabase ??= parseDbc(readFileSync(DEMO_DBC_URL, 'utf8'), 'demo-vehicle.dbc')
  return demoDatabase
}

const GEAR_LEVER = { P: 0, R: 1, N: 2, D: 3 } as const
const IGNITION = { off: 0, accessory: 1, run: 2 } as const
/** TPMS warns 25 % below placard (the FMVSS 138 threshold). */
const TPMS_LOW_KPA = PLACARD_PRESSURE_KPA * 0.75
const PAD_WARNING_PCT = 85
const COOLANT_WARNING_C = 120

const bit = (b: boolean): number => (b ? 1 : 0)

export function demoMessageValues (s: VehicleState): MessageValues {
  const [fl, fr, rl, rr] = s.tyrePressureKpa
  return {
    ECM_EngineData: {
      EngineSpeed: s.engineRpm,
      ThrottlePosition: s.throttlePct,
      EngineLoad: s.engineLoadPct,
      EngineRunning: bit(s.engineRunning),
      StartStopActive: bit(s.startStopActive)
    },
    ESC_VehicleSpeed: {
      VehicleSpeed: s.speedKmh,
      LongitudinalAccel: s.accelMps2,
      BrakePedalPressed: bit(s.brakePressed)
    },
    TCM_GearStatus: {
      GearLeverPosition: GEAR_LEVER[s.gearLever],
      CurrentGear: s.gear
    },
    ECM_EngineTemps: {
      CoolantTemp: s.coolantC,
      AmbientAirTemp: s.ambientC,
      FuelLevel: s.fuelPct,
      EngineHours: s.engineHours
    },
    BMS_PackStatus: {
      PackVoltage: s.hvPackV,
      PackCurrent: s.hvCurrentA,
      StateOfCharge: s.hvSocPct,
      PackTemperature: s.hvTempC
    },
    BMS_CellStats: {
      CellVoltageMax: s.cellVoltageMaxV,
      CellVoltageMin: s.cellVoltageMinV,
      CellVoltageMaxIndex: s.cellVoltageMaxIndex,
      CellVoltageMinIndex: s.cellVoltageMinIndex,
      CellTempMax: s.cellTempMaxC,
      CellTempMin: s.cellTempMinC
    },
    BCM_PowerSupply: {
      Battery12vVoltage: s.battery12vV,
      Battery12vCurrent: s.battery12vA,
      IgnitionState: IGNITION[s.ignition]
    },
    ECM_Diagnostics: {
      MilStatus: bit(s.mil),
      CoolantOverTempWarning: bit(s.coolantC >= COOLANT_WARNING_C),
      DtcCount: s.dtcs.length
    },
    IC_Odometer: {
      Odometer: s.odometerKm,
      TripDistance: s.tripKm
    },
    ESC_BrakePadWear: {
      BrakePadWearFL: s.brakePadWearPct[0],
      BrakePadWearFR: s.brakePadWearPct[1],
      BrakePadWearRL: s.brakePadWearPct[2],
      BrakePadWearRR: s.brakePadWearPct[3],
      BrakePadWarning: bit(s.brakePadWearPct.some((w) => w >= PAD_WARNING_PCT))
    },
    TPMS_TyreStatus: {
      TyrePressureFL: fl,
      TyrePressureFR: fr,
      TyrePressureRL: rl,
      TyrePressureRR: rr,
      TyreTemperatureMax: Math.max(...s.tyreTempC),
      TpmsWarning: s.tyrePressureKpa.some((p) => p < TPMS_LOW_KPA) ? 1 : 0
    }
  }
}
