/**
 * Flag values the command groups share (commander argument parsers: a bad
 * value is an InvalidArgumentError, reported as a usage error), and who runs
 * a command.
 */
import { userInfo } from 'node:os'
import { InvalidArgumentError } from 'commander'
import { parseDuration } from '../../decoders/duration.js'
import { parseIsoTime } from '../api/request-values.js'

export function integer (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer`)
  return n
}

/** `a, b,,c` → ['a', 'b', 'c'] */
export const commaList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '')

/** Who a change is recorded as made by: --by, else the OS user running the command. */
export const me = (by: string | undefined): string => by ?? userInfo().username

/** `12h`, `30m`, `7d`, `90s` (as in rule files) → ms */
export function durationMs (value: string): number {
  const seconds = parseDuration(value)
  if (seconds === undefined || seconds <= 0) throw new InvalidArgumentError(`"${value}" is not a duration like 90s, 30m, 12h or 7d`)
  return Math.round(seconds * 1000)
}

/** An ISO 8601 time with its zone (as the API takes it): without one the host's zone would decide. */
export function zonedTime (value: string): Date {
  try {
    return parseIsoTime(value, 'the time')
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

/** An ISO 8601 time (or epoch milliseconds) -> Unix epoch microseconds, as batch times are stored. */
export function timeUs (value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`"${value}" is not a time (ISO 8601, e.g. 2026-11-23T08:00:00Z)`)
  return ms * 1000
}

/** `model@3` -> { model, version }; `model` -> { model } */
export function modelVersion (value: string): { model: string, version?: number } {
  const at = value.lastIndexOf('@')
  if (at < 0) return { model: value }
  const version = Number(value.slice(at + 1))
  if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError(`"${value}" is not MODEL@VERSION (a version is a positive integer)`)
  return { model: value.slice(0, at), version }
}

/** `name=value` pairs of a repeatable --param */
export function param (value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=')
  if (i <= 0) throw new InvalidArgumentError(`--param ${JSON.stringify(value)} is not name=value`)
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) }
}
