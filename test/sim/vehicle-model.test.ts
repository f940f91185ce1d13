import t from 'tap'
import type { FaultName } from '../../sim/faults.js'
import { VehicleModel, type VehicleState } from '../../sim/vehicle-model.js'

/** Drives a vehicle for `minutes` of sim time in 1 s steps, calling `each` after every step. */
function drive (faults: FaultName[], minutes: number, each: (s: VehicleState) => void = () => {}, seed = 11): VehicleModel {
  const model = new VehicleModel({ seed, faults })
  for (let i = 0; i < minutes * 60; i++) {
    model.step(1)
    each(model.state)
  }
  return model
}

t.test('coolant warms up to the thermostat and stays there', async (t) => {
  let max = -Infinity
  const model = drive([], 30, (s) => { if (s.timeS > 900) max = Math.max(max, s.coolantC) })
  t.ok(model.state.coolantC > 85 && model.state.coolantC < 95, `coolant ${model.state.coolantC.toFixed(1)} degC after 30 min`)
  t.ok(max < 100, `never above ${max.toFixed(1)} degC once warm`)
})

t.test('the overheat fault takes the coolant past 115 degC', async (t) => {
  let max = -Infinity
  drive(['overheat'], 30, (s) => { max = Math.max(max, s.coolantC) })
  t.ok(max > 115, `coolant reached ${max.toFixed(1)} degC`)
})

t.test('odometer, GNSS position and engine hours advance with the drive', async (t) => {
  const model = new VehicleModel({ seed: 3 })
  const start = { ...model.state, position: { ...model.state.position } }
  let previous = start.odometerKm
  let monotonic = true
  for (let i = 0; i < 1200; i++) {
    model.step(1)
    if (model.state.odometerKm < previous) monotonic = false
    previous = model.state.odometerKm
  }
  const s = model.state
  t.ok(monotonic, 'odometer never decreases')
  t.ok(s.odometerKm - start.odometerKm > 3, `drove ${(s.odometerKm - start.odometerKm).toFixed(1)} km in 20 min`)
  t.ok(s.engineHours > start.engineHours, 'engine hours advance')
  t.not(s.position.lat, start.position.lat, 'GNSS position moves')
  t.ok(s.position.lat > 48.1 && s.position.lat < 48.19 && s.position.lon > 11.5 && s.position.lon < 11.63, 'stays on the Munich ring')
})

t.test('12 V battery: ~14.1 V charging, ~12.6 V at rest; the battery12v fault sinks the rest voltage', async (t) => {
  const healthy = { running: [] as number[], resting: [] as number[] }
  drive([], 30, (s) => {
    if (s.engineRunning) healthy.running.push(s.battery12vV)
    else healthy.resting.push(s.battery12vV)
  })
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  t.ok(Math.abs(mean(healthy.running) - 14.1) < 0.2, `charging ${mean(healthy.running).toFixed(2)} V`)
  t.ok(healthy.resting.length > 0 && Math.min(...healthy.resting) > 12.2, `resting at least ${Math.min(...healthy.resting).toFixed(2)} V`)

  let minResting = Infinity
  drive(['battery12v'], 30, (s) => { if (!s.engineRunning) minResting = Math.min(minResting, s.battery12vV) })
  t.ok(minResting < 11.8, `failing battery rests at ${minResting.toFixed(2)} V`)
})

t.test('cell imbalance, tyre leak and brake wear faults show in their signals', async (t) => {
  let spread = 0
  let lowestTyre = Infinity
  const model = drive(['cellimbalance', 'tyreleak', 'brakewear'], 10, (s) => {
    spread = Math.max(spread, s.cellVoltageMaxV - s.cellVoltageMinV)
    lowestTyre = Math.min(lowestTyre, ...s.tyrePressureKpa)
  })
  t.ok(spread > 0.15, `cell spread ${spread.toFixed(3)} V`)
  t.ok(lowestTyre < 172, `a tyre fell to ${lowestTyre.toFixed(0)} kPa`)
  t.ok(model.state.brakePadWearPct[0] >= 85, `front pads ${model.state.brakePadWearPct[0].toFixed(1)} % worn`)

  let healthySpread = 0
  const healthy = drive([], 10, (s) => {
    healthySpread = Math.max(healthySpread, s.cellVoltageMaxV - s.cellVoltageMinV)
    lowestTyre = Math.min(lowestTyre, ...s.tyrePressureKpa)
  })
  t.ok(healthySpread < 0.05, `healthy spread ${healthySpread.toFixed(3)} V`)
  t.ok(healthy.state.tyrePressureKpa.every((p) => p > 215 && p < 260), `healthy tyres ${healthy.state.tyrePressureKpa.map((p) => p.toFixed(0)).join('/')} kPa`)
})

t.test('the mil fault turns the MIL on with a confirmed DTC', async (t) => {
  const model = drive(['mil'], 5)
  const [dtc] = model.state.dtcs
  t.equal(model.state.mil, true)
  t.ok(dtc !== undefined && ['P0301', 'P0128'].includes(dtc.code), `DTC ${dtc?.code ?? 'none'}`)
  t.equal(dtc?.dtc, dtc?.code === 'P0301' ? 0x030100 : 0x012800, 'UDS 3-byte form: SAE J2012 code then failure type')
  t.equal((dtc?.status ?? 0) & 0x09, 0x09, 'status has testFailed (bit 0) and confirmedDTC (bit 3)')
  t.equal(drive([], 5).state.dtcs.length, 0, 'no DTC without the fault')
})

t.test('the same seed reproduces the same vehicle', async (t) => {
  t.same(drive(['overheat'], 3, undefined, 99).state, drive(['overheat'], 3, undefined, 99).state)
  t.not(drive([], 3, undefined, 1).state.odometerKm, drive([], 3, undefined, 2).state.odometerKm)
})
