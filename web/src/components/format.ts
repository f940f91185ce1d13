/** Times, numbers and states as the console shows them. */

/** "2026-12-06 11:46:02" in the browser's zone; '—' for none. */
export function dateTime (value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "3 min ago", "2 h ago", "in 5 min". */
export function relative (value: string | number | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined || value === '') return '—'
  const ms = new Date(value).getTime() - now
  const abs = Math.abs(ms)
  const [n, unit] = abs < 60_000 ? [Math.round(abs / 1000), 's'] : abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'd']
  return ms <= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`
}

/** A number with at most `digits` decimals and no trailing zeros. */
export function num (value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  return Number(value.toFixed(digits)).toLocaleString()
}
