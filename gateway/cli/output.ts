/** How commands write: results on stdout, a line each; warnings on stderr. */
import type { ManifestWarning } from '../../decoders/manifest/model.js'
import { exitCodeOf } from '../../runtime/errors.js'
import { isUnavailable } from '../../storage/errors.js'

/** Warnings printed one per line before the rest are summed up (--all-warnings prints every one). */
const SHOWN_WARNINGS = 20

export const print = (line: string): void => { process.stdout.write(line + '\n') }

/** Rows of cells as aligned columns (the first row the headings), two spaces apart, the last column left ragged. */
export function columns (table: readonly string[][]): string[] {
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)))
  return table.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] as number)).join('  ').trimEnd())
}

/** DBC warnings on stderr, one a line (the first 20 unless `all`, then a count by kind). */
export function printWarnings (warnings: readonly ManifestWarning[], all: boolean): void {
  const shown = all ? warnings : warnings.slice(0, SHOWN_WARNINGS)
  for (const w of shown) process.stderr.write(`warning: ${w.text} [${w.kind}]\n`)
  if (warnings.length > shown.length) {
    const counts: Record<string, number> = {}
    for (const w of warnings) counts[w.kind] = (counts[w.kind] ?? 0) + 1
    process.stderr.write(`warning: ${warnings.length - shown.length} more (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')} in all; --all-warnings shows each)\n`)
  }
}

/**
 * How both CLIs (pitwall, pitwall-sim) end on an error: `name: [CODE] message`
 * on stderr, then exit 1, or 75 (EX_TEMPFAIL) when the database was
 * unavailable so a script knows to try again.
 */
export function exitWithError (name: string, err: unknown): never {
  const e = err as Error & { code?: string }
  // commander's own codes (commander.invalidArgument) mean nothing to a user; ours are stable and searchable
  const code = e.code !== undefined && !e.code.startsWith('commander.') ? `[${e.code}] ` : ''
  process.stderr.write(`${name}: ${code}${e.message}\n`)
  process.exit(isUnavailable(err) ? 75 : exitCodeOf(err))
}
