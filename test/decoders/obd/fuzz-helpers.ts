/** Shared by the OBD and DTC fuzz tests. */
import { DiagnosticError } from '../../../decoders/obd/diagnostic-error.js'
import type { SeededRandom } from '../../../sim/prng.js'

/** flip, insert, delete, truncate or duplicate: how a bad radio link or a buggy T-box mangles a message */
export function mutate (rng: SeededRandom, seed: Uint8Array): Uint8Array {
  const bytes = Array.from(seed)
  const edits = rng.int(1, 3)
  for (let e = 0; e < edits; e++) {
    const at = rng.int(0, Math.max(0, bytes.length - 1))
    switch (rng.int(0, 4)) {
      case 0: if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7)); break
      case 1: bytes.splice(at, 0, rng.int(0, 255)); break
      case 2: bytes.splice(at, 1); break
      case 3: bytes.length = rng.int(0, bytes.length); break
      default: bytes.push(...bytes.slice(at, at + rng.int(1, 8)))
    }
  }
  return Uint8Array.from(bytes)
}

/** Runs fn; anything it throws must be the module's own typed error. Returns whether it succeeded. */
export function onlyTypedErrors (fail: (message: string) => void, name: string, input: Uint8Array | string, fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch (err) {
    if (!(err instanceof DiagnosticError) || !err.code.startsWith('PITWALL_ERR_')) {
      fail(`${name} threw ${String(err)} for ${typeof input === 'string' ? JSON.stringify(input) : Array.from(input).join(',')}`)
    }
    return false
  }
}
