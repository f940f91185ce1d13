/**
 * Small hand-written SVG charts for bench/RESULTS.md: a line chart (linear
 * or log axes, ticks, labelled series, a title) and a latency CDF built on
 * it. No dependency: a chart is a string, drawn from the figures of
 * results.json and written into bench/charts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TargetName, ThroughputResult } from '../e2e/throughput-model.js'
import { perConnection, type ConnectionScalingResult } from './connections.js'

/** bench/charts/ beside the sources (this file runs from dist/bench/scaling/) */
export const CHARTS_DIR = fileURLToPath(new URL('../../../bench/charts/', import.meta.url))

/** File names in bench/charts/, as RESULTS.md links them. */
export const CHART_FILES = {
  rssPerConnection: 'rss-per-connection.svg',
  throughputVsVehicles: 'throughput-vs-vehicles.svg',
  halfLoadLatencyCdf: 'puback-latency-cdf.svg'
} as const

export interface Series {
  name: string
  points: Array<readonly [number, number]>
  dashed?: boolean
  /** line width in px, default 2: a wide line drawn first shows under a narrow one with the same points */
  width?: number
  /** draw a dot at each point (for series of a few points) */
  markers?: boolean
  color?: string
}

export interface LineChartSpec {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  xScale?: 'linear' | 'log'
  yScale?: 'linear' | 'log'
  /** axis ranges; default: the data's, the linear y axis from 0 */
  xRange?: readonly [number, number]
  yRange?: readonly [number, number]
  /** horizontal reference lines, e.g. a target */
  guides?: Array<{ y: number, label: string }>
}

const WIDTH = 720
const HEIGHT = 420
const MARGIN = { left: 76, right: 24, top: 64, bottom: 56 }
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f']

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fixed = (x: number): string => (Math.round(x * 10) / 10).toString()

function tickLabel (v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 })
  if (a >= 1) return String(Math.round(v * 100) / 100)
  return String(Number(v.toPrecision(2)))
}

/** Ticks at 1, 2 or 5 × 10^k, about `count` of them. */
function linearTicks (lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** Ticks at each power of ten (with 2 and 5 × when the range spans under three decades). */
function logTicks (lo: number, hi: number): number[] {
  const ticks: number[] = []
  const few = Math.log10(hi / lo) < 3
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * 10 ** k
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(12)))
    }
  }
  return ticks
}

interface Axis { map: (v: number) => number, ticks: number[] }

function axis (scale: 'linear' | 'log', range: readonly [number, number], from: number, to: number): Axis {
  let [lo, hi] = range
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo))
  if (scale === 'log') {
    const l = Math.log10(lo)
    const h = Math.log10(hi)
    return { map: (v) => from + ((Math.log10(v) - l) / (h - l)) * (to - from), ticks: logTicks(lo, hi) }
  }
  return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks: linearTicks(lo, hi) }
}

function dataRange (values: number[], scale: 'linear' | 'log', fromZero: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (scale === 'linear' || v > 0))
  if (finite.length === 0) return scale === 'log' ? [1, 10] : [0, 1]
  let lo = Math.min(...finite)
  let hi = Math.max(...finite)
  // a little room either side, so end points do not sit on the frame
  if (scale === 'log') return [lo / 1.2, hi * 1.2]
  if (fromZero) lo = Math.min(0, lo)
  // headroom above the highest point, so it does not sit on the frame
  hi = hi + (hi - lo) * 0.08
  return [lo, hi]
}

export function lineChart (spec: LineChartSpec): string {
  const xScale = spec.xScale ?? 'linear'
  const yScale = spec.yScale ?? 'linear'
  const points = spec.series.flatMap((s) => s.points)
  const xRange = spec.xRange ?? dataRange(points.map((p) => p[0]), xScale, false)
  const yRange = spec.yRange ?? dataRange([...points.map((p) => p[1]), ...(spec.guides ?? []).map((g) => g.y)], yScale, true)
  const left = MARGIN.left
  const right = WIDTH - MARGIN.right
  const top = MARGIN.top
  const bottom = HEIGHT - MARGIN.bottom
  const x = axis(xScale, xRange, left, right)
  const y = axis(yScale, yRange, bottom, top)
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`)
  out.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(spec.title)}</text>`)
  // grid and ticks
  for (const t of x.ticks) {
    const px = fixed(x.map(t))
    out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${bottom}" stroke="#e5e5e5"/>`)
    out.push(`<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#333"/>`)
    out.push(`<text x="${px}" y="${bottom + 18}" text-anchor="middle">${escape(tickLabel(t))}</text>`)
  }
  for (const t of y.ticks) {
    const py = fixed(y.map(t))
    out.push(`<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#e5e5e5"/>`)
    out.push(`<line x1="${left - 5}" y1="${py}" x2="${left}" y2="${py}" stroke="#333"/>`)
    out.push(`<text x="${left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${escape(tickLabel(t))}</text>`)
  }
  out.push(`<polyline points="${left},${top} ${left},${bottom} ${right},${bottom}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${(left + right) / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escape(spec.xLabel)}</text>`)
  out.push(`<text transform="translate(18 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`)
  for (const g of spec.guides ?? []) {
    const py = fixed(y.map(g.y))
    out.push(`<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#666" stroke-dasharray="2 3"/>`)
    out.push(`<text x="${right - 4}" y="${Number(py) - 5}" text-anchor="end" fill="#444">${escape(g.label)}</text>`)
  }
  // series, clipped to the plot area
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}"/></clipPath>`)
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] as string
    const drawn = s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (xScale === 'linear' || px > 0) && (yScale === 'linear' || py > 0))
    const path = drawn.map(([px, py]) => `${fixed(x.map(px))},${fixed(y.map(py))}`).join(' ')
    const width = s.width ?? 2
    out.push(`<g clip-path="url(#plot)"><polyline points="${path}" fill="none" stroke="${color}" stroke-width="${width}"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    if (s.markers === true) for (const [px, py] of drawn) out.push(`<circle cx="${fixed(x.map(px))}" cy="${fixed(y.map(py))}" r="${fixed(width + 1.5)}" fill="${color}"/>`)
    out.push('</g>')
  })
  // legend: one row under the title
  let lx = left
  for (const [i, s] of spec.series.entries()) {
    const color = s.color ?? PALETTE[i % PALETTE.length] as string
    out.push(`<line x1="${fixed(lx)}" y1="44" x2="${fixed(lx + 22)}" y2="44" stroke="${color}" stroke-width="${s.width ?? 2}"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${fixed(lx + 27)}" y="44" dominant-baseline="middle">${escape(s.name)}</text>`)
    lx += 27 + s.name.length * 6.6 + 18
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}

export interface CdfSeries {
  name: string
  samples: readonly number[]
  /** samples the series stands for, when `samples` holds them at evenly spaced ranks only; default its length */
  count?: number
  color?: string
}

/** At most this many points per CDF line, at evenly spaced ranks, plus the maximum. */
const CDF_POINTS = 400

/** The cumulative distribution of each series: x the value, y the share of samples at or below it (%). */
export function cdfChart (spec: { title: string, xLabel: string, series: CdfSeries[], xScale?: 'linear' | 'log', guides?: LineChartSpec['guides'] }): string {
  const all = spec.series.flatMap((s) => s.samples)
  const positive = all.filter((v) => v > 0)
  const xScale = spec.xScale ?? (positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 100 ? 'log' : 'linear')
  const series: Series[] = spec.series.map((s) => {
    const sorted = s.samples.filter((v) => Number.isFinite(v) && (xScale === 'linear' || v > 0)).sort((a, b) => a - b)
    const n = sorted.length
    const step = Math.max(1, Math.floor(n / CDF_POINTS))
    const points: Array<[number, number]> = []
    for (let i = 0; i < n; i += step) points.push([sorted[i] as number, ((i + 1) / n) * 100])
    if (n > 0) points.push([sorted[n - 1] as number, 100])
    return { name: `${s.name} (${(s.count ?? n).toLocaleString('en-US')} samples)`, points, color: s.color }
  })
  return lineChart({ title: spec.title, xLabel: spec.xLabel, yLabel: 'samples at or below (%)', series, xScale, yRange: [0, 100], guides: spec.guides })
}

function write (dir: string, file: string, svg: string): string {
  mkdirSync(dir, { recursive: true })
  const path = dir + (dir.endsWith('/') ? '' : '/') + file
  writeFileSync(path, svg)
  return path
}

const BROKER_COLORS = { 'raw aedes': '#1f77b4', Pitwall: '#d62728', Mosquitto: '#2ca02c' }

/**
 * Acknowledged batches/s against connected vehicles, one line per broker, from the active phase of each step.
 * Brokers that keep up lie on the same points: raw aedes is drawn wide first, so Pitwall's line shows on top of it.
 */
export function vehicleThroughputSeries (r: ConnectionScalingResult): Series[] {
  return r.brokers.filter((b) => b.steps.length > 0).map((b) => ({
    name: b.broker,
    points: b.steps.map((s) => [s.open, s.active.rate.ackedPerS] as const),
    markers: true,
    color: BROKER_COLORS[b.broker],
    ...(b.broker === 'raw aedes' ? { width: 6 } : {})
  }))
}

/**
 * bench/charts/rss-per-connection.svg: KiB of RSS per connection against connected vehicles, each broker idle and active;
 * bench/charts/throughput-vs-vehicles.svg: batches/s acknowledged against connected vehicles, beside the offered rate.
 */
export function writeConnectionCharts (r: ConnectionScalingResult, dir = CHARTS_DIR): string[] {
  const series: Series[] = r.brokers.flatMap((b) => (['idle', 'active'] as const).map((phase) => ({
    name: `${b.broker} ${phase}`,
    points: b.steps.map((s, i) => [s.open, perConnection(b, i, phase) / 1024] as const),
    dashed: phase === 'active',
    markers: true,
    color: BROKER_COLORS[b.broker]
  })))
  const rss = lineChart({
    title: `RSS per connection vs connected vehicles (${r.mode} run)`,
    xLabel: 'connected vehicles',
    yLabel: 'KiB per connection: (RSS at N − RSS at 0) / N',
    series,
    // log y: the first connections pay one-time costs ~10× a connection's own
    xScale: 'log',
    yScale: 'log'
  })
  const written = [write(dir, CHART_FILES.rssPerConnection, rss)]
  const brokers = vehicleThroughputSeries(r)
  if (brokers.length > 0) {
    // the load is open loop, one batch per vehicle per period: a broker that keeps up lies on this line
    const open = [...new Set(brokers.flatMap((b) => b.points.map((p) => p[0])))].sort((a, b) => a - b)
    const offered: Series = { name: `offered: 1 batch per vehicle every ${r.activePeriodS} s`, points: open.map((n) => [n, n / r.activePeriodS] as const), dashed: true, width: 1.5, color: '#333' }
    written.push(write(dir, CHART_FILES.throughputVsVehicles, lineChart({
      title: `QoS 1 batches/s acknowledged vs connected vehicles (${r.mode} run)`,
      xLabel: 'connected vehicles',
      yLabel: 'batches/s acknowledged (PUBACK)',
      // offered last: a thin dashed line over the brokers' points
      series: [...brokers, offered],
      // the fleet and the offered rate each grow by decades
      xScale: 'log',
      yScale: 'log'
    })))
  }
  return written
}

const TARGETS: Record<TargetName, { name: string, color: string }> = {
  pitwall: { name: 'Pitwall', color: BROKER_COLORS.Pitwall },
  'raw-aedes': { name: 'raw aedes', color: BROKER_COLORS['raw aedes'] },
  mosquitto: { name: 'Mosquitto', color: BROKER_COLORS.Mosquitto }
}

/** The half-load step's PUBACK latencies of each target that kept them. */
export function halfLoadCdfSeries (r: ThroughputResult): CdfSeries[] {
  return r.targets.flatMap((t) => {
    const step = t.halfLoad
    if (step?.latencyCdfMs === undefined || step.latencyCdfMs.length === 0) return []
    return [{ ...TARGETS[t.name], samples: step.latencyCdfMs, count: step.latencyMs?.count ?? step.latencyCdfMs.length }]
  })
}

/** bench/charts/puback-latency-cdf.svg: the PUBACK latency CDF at half of Pitwall's maximum, one line per target; none without samples. */
export function writeThroughputCharts (r: ThroughputResult, dir = CHARTS_DIR): string[] {
  const series = halfLoadCdfSeries(r)
  if (series.length === 0) return []
  return [write(dir, CHART_FILES.halfLoadLatencyCdf, cdfChart({
    title: `PUBACK latency at ${r.halfLoadPerS.toLocaleString('en-US')} batches/s offered, QoS 1 (${r.mode} run)`,
    xLabel: 'scheduled send → PUBACK (ms)',
    series,
    // log x: the brokers' latencies lie a decade or more apart
    xScale: 'log',
    guides: [{ y: 50, label: 'p50' }, { y: 99, label: 'p99' }]
  }))]
}
