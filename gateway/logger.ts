/** Structured logs through pino; every module logs through a child of this. */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger (level: string): Logger {
  return pino({ level, base: { service: 'pitwall' } })
}
