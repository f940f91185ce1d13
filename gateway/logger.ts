/** Structured logs through pino; every module logs through a child of this. */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger (level: string): Logger {
  return pino({ level, base: { service: 'pitwall' } })
}

/** Longest text from an unauthenticated client that a log line carries. */
export const MAX_UNTRUSTED_LOG_CHARS = 64

/**
 * Text a client chose before it was authenticated (client id, topic, will
 * topic), as a log field: the first 64 characters and the length. A refused
 * 65,000-character client id must cost a log line, not 65 KB of log, so a
 * hostile client cannot fill the operator's disk by being refused.
 */
export function untrusted (text: string | undefined | null): string | undefined {
  if (text === undefined || text === null) return undefined
  return text.length <= MAX_UNTRUSTED_LOG_CHARS ? text : `${text.slice(0, MAX_UNTRUSTED_LOG_CHARS)}… (${text.length} chars)`
}
