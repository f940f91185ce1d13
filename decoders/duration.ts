/** "10s", "5m", "1h", "2d", "250ms" or a number of seconds -> seconds. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86400 }
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)$/

export function parseDuration (value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const match = DURATION.exec(value.trim())
  if (match === null) return undefined
  return Number(match[1]) * (UNITS[match[2] as string] as number)
}
