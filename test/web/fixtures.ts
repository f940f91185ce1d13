/**
 * Simulated vehicles for the console's browser tests: a T-box (sim/) that
 * drives, reports GNSS and, with `commands`, verifies and acknowledges the
 * gateway's signed commands step by step, as a real one would over MQTT.
 */
import type { Test } from 'tap'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules } from '../../rules/load.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import type { FaultName } from '../../sim/faults.js'
import { Tbox } from '../../sim/tbox.js'
import type { ConsoleBrowser } from '../helpers/browser.js'

/** Gateway settings the simulated vehicles need: the demo DBC, and rules picked up quickly. */
export const SIM_SETTINGS = { canDbc: `0=${DEMO_DBC_FILE}`, rulesPollMs: 100 }

/** The demo's cell-imbalance rule, without an action (a fault for the queue only). */
export const IMBALANCE_RULE = `rules:
  - id: cell-imbalance
    severity: major
    when: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '>', value: 0.12 }
    clear: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '<', value: 0.06 }
    clearFor: 1s
`

export async function applyRules (c: ConsoleBrowser, yaml: string): Promise<void> {
  await c.gateway.gateway.storage.rules.apply(parseRules(yaml, 'console-test.yaml'))
  await c.gateway.gateway.rules.refresh()
}

export interface SimOptions {
  vin: string
  model?: string
  seed?: number
  faults?: readonly FaultName[]
  /** seconds the vehicle drives before it connects (a drifting cell is past the rule after 300) */
  driveFirstS?: number
  /** verify and acknowledge commands, this many ms between steps */
  commandStepMs?: number
}

/** A registered, connected, driving T-box; stopped when `t` ends. */
export async function startVehicle (t: Test, c: ConsoleBrowser, options: SimOptions): Promise<Tbox> {
  const { gateway } = c.gateway
  const { secret } = await provisionDevice(gateway.storage.vehicles, { vin: options.vin, model: options.model ?? 'Demo EV' })
  const tbox = new Tbox({
    url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
    vin: options.vin,
    secret,
    seed: options.seed ?? 7,
    rateHz: 5,
    faults: options.faults ?? [],
    ...(options.commandStepMs === undefined ? {} : { commands: { trustedKeys: gateway.commandKeys.publicKeys, stepMs: options.commandStepMs } })
  })
  for (let s = 0; s < (options.driveFirstS ?? 0); s++) tbox.model.step(1)
  tbox.start()
  t.teardown(async () => { await tbox.stop() })
  return tbox
}
