/**
 * `--speed N`: the simulated vehicles live N times faster than the wall
 * clock (coolant, odometer, drive cycle, fault onset), while their T-boxes
 * keep real time: batches carry wall-clock times at the real rate, CAN
 * frames their DBC cycle times. The gateway sees a normal stream of a
 * vehicle in time-lapse, so an injected fault that takes minutes to build up
 * opens within one.
 */
import { InvalidArgumentError } from 'commander'

/**
 * The model is sampled every 100 ms of batch time (batch-builder.ts
 * SUBSTEP_US); at 100x that is 10 s of driving, as long as the drive
 * cycle's short stops, and a faster clock would skip whole phases of it
 * between two samples.
 */
export const MAX_SPEED = 100

/** `speed` when it is a number from 1 to MAX_SPEED; a RangeError otherwise. */
export function checkSpeed (speed: number): number {
  if (!(speed >= 1 && speed <= MAX_SPEED)) throw new RangeError(`speed must be a number from 1 to ${MAX_SPEED}, got ${speed}`)
  return speed
}

/** The `--speed` flag's parser (commander reports the error as a usage error naming the flag). */
export function speedFlag (value: string): number {
  const speed = /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : NaN
  if (!(speed >= 1 && speed <= MAX_SPEED)) {
    throw new InvalidArgumentError(`--speed must be a number from 1 to ${MAX_SPEED} (times faster than real time), got "${value}"`)
  }
  return speed
}
