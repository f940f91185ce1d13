/** Shared by the end-to-end scenarios: latency percentiles and the bench fleet's VINs. */
import type { LatencySummary } from './throughput-model.js'

/** p50 / p99 / p99.9 / max of latencies already sorted ascending (ms, two decimals). */
export function latencySummary (sorted: readonly number[]): LatencySummary {
  const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) }
}

/**
 * `count` VINs unique to this run (ISO 3779 syntax: no I, O or Q), so runs
 * against a database that outlived an earlier one never collide.
 */
export function benchVins (prefix: string, count: number): string[] {
  const runId = Date.now().toString(36).toUpperCase().replace(/[IOQ]/g, 'X').padStart(9, '0').slice(-9)
  return Array.from({ length: count }, (_, i) => `${prefix}${runId}${String(i).padStart(5, '0')}`)
}
