/**
 * Faults the simulator can inject, and the `--inject` spec that says how
 * likely each one is per vehicle: `overheat=0.05,battery12v=0.02`.
 */
import type { SeededRandom } from './prng.js'
import { PitwallError } from '../runtime/errors.js'

export const FAULT_NAMES = ['overheat', 'battery12v', 'cellimbalance', 'tyreleak', 'brakewear', 'mil'] as const

/**
 * overheat       cooling fan failed: coolant climbs past 115 degC under load
 * battery12v     failing 12 V battery: resting voltage sinks below 11.8 V
 * cellimbalance  one HV cell drifts: cell max - min spread grows past 0.15 V
 * tyreleak       one tyre loses pressure slowly
 * brakewear      front pads near the end of their life (wear >= 85 %)
 * mil            engine fault: MIL on with a confirmed DTC (P0301 misfire or P0128 thermostat)
 */
export type FaultName = typeof FAULT_NAMES[number]

/** Probability per vehicle, 0..1, that the fault is present. */
export type FaultProbabilities = Partial<Record<FaultName, number>>

export class FaultSpecError extends PitwallError {
  /** The piece of the spec that was wrong. */
  readonly token: string
  constructor (token: string, message: string) {
    super('PITWALL_ERR_FAULT_SPEC', message)
    this.token = token
  }
}

const PROBABILITY = /^(?:\d+(?:\.\d*)?|\.\d+)$/

function isFaultName (name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name)
}

export function parseFaultSpec (spec: string): FaultProbabilities {
  const probabilities: FaultProbabilities = {}
  if (spec.trim() === '') return probabilities
  for (const raw of spec.split(',')) {
    const token = raw.trim()
    const eq = token.indexOf('=')
    if (eq < 0) throw new FaultSpecError(token, `--inject: expected fault=probability, found '${token}'`)
    const name = token.slice(0, eq).trim()
    const value = token.slice(eq + 1).trim()
    if (!isFaultName(name)) {
      throw new FaultSpecError(token, `--inject: unknown fault '${name}' in '${token}' (known: ${FAULT_NAMES.join(', ')})`)
    }
    const probability = PROBABILITY.test(value) ? Number(value) : NaN
    if (!(probability >= 0 && probability <= 1)) {
      throw new FaultSpecError(token, `--inject: probability '${value}' in '${token}' is not a number from 0 to 1`)
    }
    if (probabilities[name] !== undefined) throw new FaultSpecError(token, `--inject: fault '${name}' given twice ('${token}')`)
    probabilities[name] = probability
  }
  return probabilities
}

/** Which faults one vehicle has: one draw per fault, in a fixed order so a seed always gives the same fleet. */
export function drawFaults (probabilities: FaultProbabilities, random: SeededRandom): FaultName[] {
  const faults: FaultName[] = []
  for (const name of FAULT_NAMES) {
    // Draw even for probability 0 so that adding one fault to the spec does not reshuffle the others.
    if (random.next() < (probabilities[name] ?? 0)) faults.push(name)
  }
  return faults
}
