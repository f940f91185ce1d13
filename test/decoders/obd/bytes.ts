import { DiagnosticError } from '../../../decoders/obd/diagnostic-error.js'

/** '41 0C 1A F8' -> bytes: test vectors are written the way a bus log shows them. */
export function hex (text: string): Uint8Array {
  const parts = text.trim().split(/\s+/).filter((p) => p !== '')
  return Uint8Array.from(parts, (p) => {
    if (!/^[0-9A-Fa-f]{2}$/.test(p)) throw new Error(`test vector: '${p}' is not a byte`)
    return parseInt(p, 16)
  })
}

/** ASCII text as bytes, for VINs and calibration ids. */
export function ascii (text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0))
}

/** The DiagnosticError `fn` throws; any other outcome fails the test. */
export function diagnosticError (fn: () => unknown): DiagnosticError {
  try {
    fn()
  } catch (err) {
    if (err instanceof DiagnosticError) return err
    throw err
  }
  throw new Error('expected a DiagnosticError')
}

/** "CODE: message" of the DiagnosticError `fn` throws, or 'no error'. */
export function diagnosticFailure (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof DiagnosticError) return `${err.code}: ${err.message}`
    throw err
  }
  return 'no error'
}
