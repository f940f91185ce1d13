/**
 * CSV files the API exports and the CLI writes (RFC 4180: CRLF line ends,
 * a header row), with text cells a spreadsheet cannot run.
 */

// a value a vehicle or an engineer chose (a model, firmware, rule name) that a
// spreadsheet would run as a formula (OWASP "CSV injection"): =, +, -, @, and
// tab and CR, which some spreadsheets skip before reading one
const FORMULA_START = /^[=+\-@\t\r]/

/** A text cell: prefixed with ' when a spreadsheet would read a formula, quoted when RFC 4180 needs it. */
export function textCell (value: string | null): string {
  if (value === null) return ''
  const safe = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/** The file: the header row, then one line per row of cells already made. */
export function csvText (columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [columns.join(','), ...rows.map((cells) => cells.join(','))].map((line) => `${line}\r\n`).join('')
}

/** 20260308T0000Z: a time as a file name carries it */
export const fileStamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\d\d\.\d{3}Z$/, 'Z')
