/**
 * One simulated vehicle: a plug-in hybrid with a 6-speed automatic, a 96-cell
 * HV pack, a 12 V battery, TPMS and brake-pad wear sensors, driving a route.
 * The physics are first-order and tuned for plausibility, not accuracy: what
 * matters is that signals move the way a diagnostic engineer expects (coolant
 * warms up to the thermostat, 12 V reads ~14.1 V charging and ~12.6 V at
 * rest, tyres gain pressure as they warm) and that injected faults show up
 * the way they do on real cars. Every random draw comes from the vehicle's
 * seeded stream, so a seed reproduces the run.
 */
import { DriveCycle, type DrivePhase } from './drive-cycle.js'
import { CONFIRMED_STATUS, PENDING_STATUS, encodeDtc } from './dtc.js'
import type { FaultName } from './faults.js'
import { SeededRandom } from './prng.js'
import { MITTLERER_RING, RouteFollower, type GeoPoint, type RoutePosition } from './route.js'

export type GearLever = 'P' | 'R' | 'N' | 'D'
export type Ignition = 'off' | 'accessory' | 'run'
export type Wheels = [number, number, number, number]

export interface ActiveDtc {
  /** SAE J2012 code, e.g. P0301 */
  code: string
  /** 3-byte UDS form (ISO 14229-1), e.g. 0x030100 */
  dtc: number
  /** ISO 14229-1 status byte */
  status: number
  /** the conditions when the DTC was first confirmed; absent while it is only pending */
  freezeFrame?: FreezeFrame
}

/**
 * What an ECU stores when a DTC is confirmed (ISO 14229-1 DTCSnapshotRecord,
 * SAE J1979 freeze frame): a few signals of that moment, as sim/obd-responder.ts
 * encodes them from a VehicleState.
 */
export type FreezeFrame = Pick<VehicleState, 'timeS' | 'coolantC' | 'engineRpm' | 'speedKmh' | 'engineLoadPct' | 'odometerKm'>

export interface VehicleState {
  timeS: number
  phase: DrivePhase
  ignition: Ignition
  engineRunning: boolean
  /** engine stopped by start-stop at a standstill */
  startStopActive: boolean
  gearLever: GearLever
  /** engaged gear 1..6, 0 none */
  gear: number
  speedKmh: number
  accelMps2: number
  brakePressed: boolean
  engineRpm: number
  throttlePct: number
  engineLoadPct: number
  coolantC: number
  ambientC: number
  fuelPct: number
  engineHours: number
  odometerKm: number
  tripKm: number
  battery12vV: number
  /** positive while charging */
  battery12vA: number
  hvSocPct: number
  hvPackV: number
  /** positive while discharging */
  hvCurrentA: number
  cellVoltageMaxV: number
  cellVoltageMinV: number
  /** 1-based cell numbers */
  cellVoltageMaxIndex: number
  cellVoltageMinIndex: number
  hvTempC: number
  cellTempMaxC: number
  cellTempMinC: number
  /** front left, front right, rear left, rear right (gauge pressure) */
  tyrePressureKpa: Wheels
  tyreTempC: Wheels
  /** 0 new .. 100 worn out, per wheel as above */
  brakePadWearPct: Wheels
  mil: boolean
  dtcs: ActiveDtc[]
  position: RoutePosition
  gnssHdop: number
  gnssSatellites: number
}

export interface VehicleModelOptions {
  seed: number
  faults?: readonly FaultName[]
  route?: readonly GeoPoint[]
}

const GEAR_RATIOS = [4.7, 3.13, 2.1, 1.67, 1.29, 1.0]
const FINAL_DRIVE = 2.8
const WHEEL_CIRCUMFERENCE_M = 2.01
const CELLS_IN_SERIES = 96
const PACK_CAPACITY_AH = 40
const CELL_RESISTANCE_OHM = 0.0015
export const PLACARD_PRESSURE_KPA = 230
const ATMOSPHERE_KPA = 101.325
const TANK_LITRES = 50
/** Wax thermostat: starts to open at 88 degC, fully open at 97 degC. */
const THERMOSTAT_OPEN_C = 88
const THERMOSTAT_FULL_C = 97
/** Beyond this the coolant boils over (pressure cap): the model stops climbing. */
const COOLANT_CEILING_C = 128
/** Longest internal integration step; callers may step by more. */
const MAX_STEP_S = 0.5

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))
/** Fraction of the way a first-order lag with time constant tau covers in dt. */
const lag = (dt: number, tau: number): number => 1 - Math.exp(-dt / tau)

export class VehicleModel {
  readonly state: VehicleState
  readonly faults: ReadonlySet<FaultName>
  /** The same set as `faults`; a remote fix removes from it. */
  private readonly injected: Set<FaultName>
  private readonly random: SeededRandom
  private readonly driver: DriveCycle
  private readonly route: RouteFollower
  /** Sim time at which each injected fault starts to show. */
  private readonly onsetS = new Map<FaultName, number>()
  private readonly restingVoltage: number
  private readonly coldPressureKpa: Wheels
  private readonly leakyWheel: number
  private readonly weakCell: number
  private readonly milCode: string
  private engineStateSinceS = 0
  /** Sim time of the last ClearDiagnosticInformation: a fault still present fails its test again from there. */
  private diagnosticsClearedAtS = -Infinity

  constructor (options: VehicleModelOptions) {
    const random = new SeededRandom(options.seed)
    this.random = random
    this.injected = new Set(options.faults ?? [])
    this.faults = this.injected
    this.driver = new DriveCycle(random)
    this.route = new RouteFollower(options.route ?? MITTLERER_RING, random.uniform(0, 30_000))
    for (const fault of this.faults) this.onsetS.set(fault, random.uniform(10, 60))
    this.restingVoltage = random.uniform(12.5, 12.7)
    this.coldPressureKpa = [0, 1, 2, 3].map(() => random.uniform(224, 236)) as Wheels
    this.leakyWheel = random.int(0, 3)
    this.weakCell = random.int(1, CELLS_IN_SERIES)
    this.milCode = random.chance(0.6) ? 'P0301' : 'P0128'

    const ambientC = random.uniform(4, 26)
    const frontWear = this.faults.has('brakewear') ? random.uniform(82, 88) : random.uniform(5, 60)
    const odometerKm = random.uniform(3_000, 150_000)
    const speedKmh = this.driver.initialSpeedKmh()
    const soc = random.uniform(35, 90)
    this.state = {
      timeS: 0,
      phase: this.driver.phase,
      ignition: 'run',
      engineRunning: true,
      startStopActive: false,
      gearLever: speedKmh > 0 ? 'D' : 'P',
      gear: 0,
      speedKmh,
      accelMps2: 0,
      brakePressed: false,
      engineRpm: 800,
      throttlePct: 0,
      engineLoadPct: 0,
      // some vehicles start cold, some were driven a moment ago
      coolantC: random.uniform(ambientC, 90),
      ambientC,
      fuelPct: random.uniform(15, 95),
      engineHours: odometerKm / random.uniform(30, 45),
      odometerKm,
      tripKm: 0,
      battery12vV: 14.1,
      battery12vA: 3,
      hvSocPct: soc,
      hvPackV: CELLS_IN_SERIES * cellOpenCircuitV(soc),
      hvCurrentA: 0,
      cellVoltageMaxV: cellOpenCircuitV(soc),
      cellVoltageMinV: cellOpenCircuitV(soc),
      cellVoltageMaxIndex: 1,
      cellVoltageMinIndex: this.weakCell,
      hvTempC: ambientC + 3,
      cellTempMaxC: ambientC + 4,
      cellTempMinC: ambientC + 2,
      tyrePressureKpa: [...this.coldPressureKpa],
      tyreTempC: [ambientC, ambientC, ambientC, ambientC],
      brakePadWearPct: [frontWear, frontWear * random.uniform(0.95, 1.05), frontWear * 0.7, frontWear * 0.7],
      mil: false,
      dtcs: [],
      position: this.route.position(),
      gnssHdop: random.uniform(0.7, 1.2),
      gnssSatellites: random.int(9, 14)
    }
  }

  /** Whether an injected fault has started to show at the current sim time. */
  faultActive (fault: FaultName): boolean {
    const onset = this.onsetS.get(fault)
    return onset !== undefined && this.state.timeS >= onset
  }

  /**
   * A remote fix repaired the fault: it stops showing from the next step.
   * What it already did stays (a worn pad, a tyre's lost pressure, a hot
   * engine cools by itself); a MIL fault's DTC is cleared as UDS 0x14
   * ClearDiagnosticInformation would. Returns whether it was injected.
   */
  clearFault (fault: FaultName): boolean {
    if (!this.injected.delete(fault)) return false
    this.onsetS.delete(fault)
    if (fault === 'mil') this.clearDiagnosticInformation()
    return true
  }

  /**
   * UDS 0x14 ClearDiagnosticInformation / OBD-II service 04: DTCs, their
   * freeze frames and the MIL are gone. A fault that is still there fails its
   * test again at the next step: pending at once, confirmed 30 s later.
   */
  clearDiagnosticInformation (): void {
    this.state.dtcs = []
    this.state.mil = false
    this.diagnosticsClearedAtS = this.state.timeS
  }

  step (dtS: number): void {
    let left = dtS
    while (left > 1e-9) {
      const h = Math.min(MAX_STEP_S, left)
      this.integrate(h)
      left -= h
    }
  }

  private integrate (dt: number): void {
    const s = this.state
    s.timeS += dt
    const demand = this.driver.step(dt, s.speedKmh)
    s.phase = this.driver.phase
    s.accelMps2 = s.speedKmh <= 0 && demand < 0 ? 0 : demand
    s.speedKmh = Math.max(0, s.speedKmh + s.accelMps2 * 3.6 * dt)
    const distanceM = (s.speedKmh / 3.6) * dt
    s.odometerKm += distanceM / 1000
    s.tripKm += distanceM / 1000
    this.route.advance(distanceM)

    this.updatePowertrain(dt)
    this.updateCoolant(dt)
    this.updateLowVoltage(dt)
    this.updateTractionBattery(dt)
    this.updateTyres(dt)
    this.updateBrakes(dt)
    this.updateDiagnostics()
    this.updateGnss()
  }

  private updatePowertrain (dt: number): void {
    const s = this.state
    const standstill = s.speedKmh < 0.1
    const wasRunning = s.engineRunning
    // Start-stop stops a warm engine at a standstill; parking stops it for good.
    s.startStopActive = s.phase === 'stop' && standstill && s.coolantC > 50
    s.engineRunning = s.phase !== 'parked' && !s.startStopActive
    if (s.engineRunning !== wasRunning) this.engineStateSinceS = s.timeS
    s.ignition = s.phase === 'parked' ? 'accessory' : 'run'
    s.gearLever = s.phase === 'parked' || s.phase === 'idle' ? 'P' : 'D'
    s.brakePressed = s.accelMps2 < -0.4 || (standstill && s.phase === 'stop')

    if (s.phase === 'accelerate') s.throttlePct = clamp(20 + 14 * s.accelMps2 + 0.2 * s.speedKmh, 0, 100)
    else if (s.phase === 'cruise') s.throttlePct = clamp(8 + 0.22 * s.speedKmh + 10 * Math.max(0, s.accelMps2), 0, 100)
    else s.throttlePct = 0
    s.engineLoadPct = s.engineRunning ? clamp(15 + 0.8 * s.throttlePct, 0, 100) : 0

    s.gear = s.gearLever === 'D' ? this.selectGear() : 0
    if (!s.engineRunning) {
      s.engineRpm = 0
    } else {
      const idleRpm = 750 + clamp(60 - s.coolantC, 0, 60) * 6
      const wheelRpm = (s.speedKmh / 3.6 / WHEEL_CIRCUMFERENCE_M) * 60
      const gearedRpm = s.gear > 0 ? wheelRpm * (GEAR_RATIOS[s.gear - 1] as number) * FINAL_DRIVE : 0
      // a misfiring cylinder makes the engine speed rough
      const roughness = this.faultActive('mil') && this.milCode === 'P0301' ? 35 : 4
      s.engineRpm = Math.max(idleRpm + s.throttlePct * 15, gearedRpm) + this.random.normal(0, roughness)
    }
    if (s.engineRunning) {
      s.engineHours += dt / 3600
      const litresPerHour = 0.7 + 0.25 * s.engineLoadPct
      s.fuelPct = Math.max(3, s.fuelPct - (litresPerHour / 3600 / TANK_LITRES) * 100 * dt)
    }
  }

  /** Highest gear that keeps the engine above a load-dependent floor, with hysteresis. */
  private selectGear (): number {
    const s = this.state
    if (s.speedKmh < 5) return 1
    const wheelRpm = (s.speedKmh / 3.6 / WHEEL_CIRCUMFERENCE_M) * 60
    const rpmIn = (gear: number): number => wheelRpm * (GEAR_RATIOS[gear - 1] as number) * FINAL_DRIVE
    let gear = clamp(s.gear, 1, GEAR_RATIOS.length)
    const upshiftRpm = 1800 + 20 * s.throttlePct
    const downshiftRpm = 1100 + 8 * s.throttlePct
    while (gear < GEAR_RATIOS.length && rpmIn(gear) > upshiftRpm) gear++
    while (gear > 1 && rpmIn(gear) < downshiftRpm) gear--
    return gear
  }

  private updateCoolant (dt: number): void {
    const s = this.state
    const aboveAmbient = s.coolantC - s.ambientC
    const heat = s.engineRunning ? 0.12 + 0.005 * s.engineLoadPct : 0
    const opening = clamp((s.coolantC - THERMOSTAT_OPEN_C) / (THERMOSTAT_FULL_C - THERMOSTAT_OPEN_C), 0, 1)
    // With the fan failed the radiator sheds a twentieth of its heat.
    const radiator = (this.faultActive('overheat') ? 0.001 : 0.02) * (s.engineRunning ? 1 : 0.2)
    const loss = (0.0008 + opening * radiator) * aboveAmbient
    s.coolantC = Math.min(COOLANT_CEILING_C, s.coolantC + (heat - loss) * dt)
  }

  private updateLowVoltage (dt: number): void {
    const s = this.state
    const sinceS = s.timeS - this.engineStateSinceS
    let target: number
    if (s.engineRunning) {
      // alternator regulation, a little higher while the battery is cold
      target = 14.1 + clamp((10 - s.ambientC) * 0.01, 0, 0.2)
      s.battery12vA = 3 + 22 * Math.exp(-sinceS / 90)
    } else {
      const onset = this.onsetS.get('battery12v')
      const sag = this.faultActive('battery12v') && onset !== undefined ? Math.min(1.2, ((s.timeS - onset) / 240) * 1.2) : 0
      const rest = this.restingVoltage - sag
      // surface charge decays after the alternator stops; consumers pull the rest down a little
      const consumers = s.ignition === 'run' ? 14 : 3
      target = rest + 0.35 * Math.exp(-sinceS / 15) - consumers * 0.008
      s.battery12vA = -consumers
    }
    s.battery12vV += (target - s.battery12vV) * lag(dt, 1.5)
    s.battery12vV += this.random.normal(0, 0.004)
  }

  private updateTractionBattery (dt: number): void {
    const s = this.state
    let powerKw: number
    switch (s.phase) {
      case 'accelerate': powerKw = 8 + 6 * s.accelMps2; break
      // below 30 % the engine charges the pack while cruising
      case 'cruise': powerKw = s.hvSocPct > 30 ? 2 + 0.03 * s.speedKmh : -6; break
      case 'decelerate': powerKw = s.hvSocPct < 95 ? -(5 + 8 * Math.abs(s.accelMps2)) : 0; break
      case 'parked': powerKw = 0.2; break
      default: powerKw = 0.6
    }
    const current = (powerKw * 1000) / Math.max(200, s.hvPackV) + this.random.normal(0, 0.3)
    s.hvCurrentA = current
    s.hvSocPct = clamp(s.hvSocPct - (current * dt / 3600 / PACK_CAPACITY_AH) * 100, 0, 100)
    const meanCell = cellOpenCircuitV(s.hvSocPct) - current * CELL_RESISTANCE_OHM
    s.hvPackV = CELLS_IN_SERIES * meanCell
    const onset = this.onsetS.get('cellimbalance')
    const drift = this.faultActive('cellimbalance') && onset !== undefined ? Math.min(0.2, ((s.timeS - onset) / 180) * 0.2) : 0
    const spread = 0.012 + 0.00004 * Math.abs(current) + drift + Math.abs(this.random.normal(0, 0.002))
    s.cellVoltageMaxV = meanCell + 0.45 * spread
    s.cellVoltageMinV = meanCell - 0.55 * spread
    s.cellVoltageMinIndex = this.weakCell
    if (this.random.chance(0.01 * dt)) s.cellVoltageMaxIndex = this.random.int(1, CELLS_IN_SERIES)
    s.hvTempC += (s.ambientC + 3 + 0.12 * Math.abs(current) - s.hvTempC) * lag(dt, 400)
    s.cellTempMaxC = s.hvTempC + 1.5
    s.cellTempMinC = s.hvTempC - 1.5
  }

  private updateTyres (dt: number): void {
    const s = this.state
    if (this.faultActive('tyreleak')) {
      const i = this.leakyWheel
      this.coldPressureKpa[i] = Math.max(60, (this.coldPressureKpa[i] as number) - 0.35 * dt)
    }
    for (let i = 0; i < 4; i++) {
      const tyreTarget = s.ambientC + 0.16 * s.speedKmh
      s.tyreTempC[i] = (s.tyreTempC[i] as number) + (tyreTarget - (s.tyreTempC[i] as number)) * lag(dt, 300)
      // Gay-Lussac on absolute pressure: warm tyres read higher
      const absolute = ((this.coldPressureKpa[i] as number) + ATMOSPHERE_KPA) * ((s.tyreTempC[i] as number) + 273.15) / (s.ambientC + 273.15)
      s.tyrePressureKpa[i] = absolute - ATMOSPHERE_KPA + this.random.normal(0, 0.15)
    }
  }

  private updateBrakes (dt: number): void {
    const s = this.state
    if (s.accelMps2 >= 0) return
    // wear follows braking energy per kg; fronts take 60 % of it
    const energy = -s.accelMps2 * (s.speedKmh / 3.6) * dt
    const rate = 3.5e-5 * (this.faults.has('brakewear') ? 150 : 1)
    const shares = [0.3, 0.3, 0.2, 0.2]
    for (let i = 0; i < 4; i++) {
      s.brakePadWearPct[i] = Math.min(100, (s.brakePadWearPct[i] as number) + energy * rate * (shares[i] as number))
    }
  }

  private updateDiagnostics (): void {
    const s = this.state
    const onset = this.onsetS.get('mil')
    if (!this.faultActive('mil') || onset === undefined) return
    // pending on the first failed test, confirmed (MIL on) after 30 s of failing (since the fault's onset or the last clear)
    const confirmed = s.timeS >= Math.max(onset, this.diagnosticsClearedAtS) + 30
    const dtc = encodeDtc(this.milCode)
    const frozen = s.dtcs.find((d) => d.dtc === dtc)?.freezeFrame ?? (confirmed ? this.freezeFrame() : undefined)
    s.dtcs = [{ code: this.milCode, dtc, status: confirmed ? CONFIRMED_STATUS : PENDING_STATUS, ...(frozen !== undefined ? { freezeFrame: frozen } : {}) }]
    s.mil = confirmed
  }

  private freezeFrame (): FreezeFrame {
    const s = this.state
    return { timeS: s.timeS, coolantC: s.coolantC, engineRpm: s.engineRpm, speedKmh: s.speedKmh, engineLoadPct: s.engineLoadPct, odometerKm: s.odometerKm }
  }

  private updateGnss (): void {
    const s = this.state
    const position = this.route.position()
    // at a standstill the course over ground is undefined; keep the last one
    s.position = s.speedKmh > 0.5 ? position : { ...position, headingDeg: s.position.headingDeg }
    s.gnssHdop = clamp(s.gnssHdop + this.random.normal(0, 0.01), 0.6, 2.0)
    if (this.random.chance(0.005)) s.gnssSatellites = clamp(s.gnssSatellites + (this.random.chance(0.5) ? 1 : -1), 7, 16)
  }
}

/** NMC cell open-circuit voltage, linearised: 3.30 V empty to 4.15 V full. */
function cellOpenCircuitV (socPct: number): number {
  return 3.3 + 0.0085 * socPct
}
