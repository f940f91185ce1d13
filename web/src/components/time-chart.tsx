/**
 * A time-series chart (uPlot: canvas, fast with thousands of points): one
 * x axis of times in epoch ms, one line per series, and for downsampled
 * history the min..max of each bucket as a band behind its line. Series of
 * different units get their own y axis (at most two shown: left and right).
 *
 *   <TimeChart t={[…ms]} series={[{ label: 'Coolant', unit: '°C', values: […], band: { min, max } }]} />
 *
 * New data with the same series is drawn in place (live updates keep the
 * zoom and cursor); other series rebuild the chart. The width follows the
 * container. A lone sample (a one-sample freeze frame, a vehicle that
 * reported once in the range) is drawn as a dot in the middle of a minute,
 * not at the edge of the day uPlot gives one time by default.
 */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

export interface ChartSeries {
  label: string
  unit?: string
  values: ReadonlyArray<number | null>
  /** a bucket's range, drawn as a band behind the line */
  band?: { min: ReadonlyArray<number | null>, max: ReadonlyArray<number | null> }
}

export interface TimeChartProps {
  /** epoch ms, ascending */
  t: readonly number[]
  series: readonly ChartSeries[]
  height?: number
  /** shown when there is nothing to draw */
  empty?: string
  /** the y axes include 0 (rates, counts, durations), so a small wobble is not drawn as a cliff */
  zero?: boolean
}

/** the x range around a lone time: enough for the axis to read as seconds around it */
const LONE_PAD_MS = 30_000

/** a y range that includes 0, padded above (and below, for negative values) as uPlot pads its own */
function fromZero (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1]
  return uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true)
}

export const CHART_COLORS = ['#1f6feb', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#0a7b83', '#bc4c00', '#57606a']

function valuesIn (values: ReadonlyArray<number | null>): number {
  let n = 0
  for (const v of values) if (v !== null && !Number.isNaN(v)) n++
  return n
}

/** What the chart is built for: new series, or a series that gained or lost its only value, rebuild it. */
function shape (series: readonly ChartSeries[]): string {
  return series.map((s) => `${s.label}|${s.unit ?? ''}|${s.band === undefined ? 0 : 1}|${valuesIn(s.values) <= 1 ? 'lone' : ''}`).join(';')
}

/** uPlot's x range: the data's, or a padded one around a single time (uPlot's own puts it at the left edge of a day). */
function xRange (u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  const t = u.data[0]
  const first = t[0]
  if (first !== undefined && t[t.length - 1] === first) return [first - LONE_PAD_MS, first + LONE_PAD_MS]
  return [min, max]
}

/** uPlot's options and columns for these series: per series its band edges (if any) before its line. */
function build (props: TimeChartProps, width: number): { opts: uPlot.Options, data: uPlot.AlignedData } {
  const units = [...new Set(props.series.map((s) => s.unit ?? ''))]
  const scaleOf = (unit: string): string => `y${units.indexOf(unit)}`
  const seriesOpts: uPlot.Series[] = [{}]
  const data: Array<ReadonlyArray<number | null>> = [props.t]
  const bands: uPlot.Band[] = []
  // band edges are drawn, not read: their legend rows are hidden once the chart exists
  const edges: number[] = []
  props.series.forEach((s, i) => {
    const color = CHART_COLORS[i % CHART_COLORS.length] as string
    const scale = scaleOf(s.unit ?? '')
    if (s.band !== undefined) {
      const at = seriesOpts.length
      seriesOpts.push({ label: `${s.label} max`, scale, stroke: 'transparent', points: { show: false } })
      seriesOpts.push({ label: `${s.label} min`, scale, stroke: 'transparent', points: { show: false } })
      data.push(s.band.max, s.band.min)
      edges.push(at, at + 1)
      bands.push({ series: [at, at + 1], fill: `${color}22` })
    }
    // points where samples are sparse (uPlot decides), so a short freeze frame still shows; a lone value, a line of no length, always
    const lone = valuesIn(s.values) <= 1
    seriesOpts.push({
      label: s.unit === undefined || s.unit === '' ? s.label : `${s.label} (${s.unit})`,
      scale,
      stroke: color,
      width: 1.5,
      spanGaps: true,
      ...(lone ? { points: { show: true, size: 8, fill: color } } : {})
    })
    data.push(s.values)
  })
  const axes: uPlot.Axis[] = [{ stroke: '#5b6577', grid: { stroke: '#eef0f3' } }]
  units.slice(0, 2).forEach((unit, i) => {
    axes.push({ scale: `y${i}`, side: i === 0 ? 3 : 1, label: unit, stroke: '#5b6577', grid: { show: i === 0, stroke: '#eef0f3' }, size: 56 })
  })
  const scales: uPlot.Scales = { x: { time: true, range: xRange } }
  units.forEach((_, i) => { scales[`y${i}`] = props.zero === true ? { auto: true, range: fromZero } : { auto: true } })
  return {
    opts: {
      width,
      height: props.height ?? 220,
      // x values are epoch ms
      ms: 1,
      scales,
      axes,
      series: seriesOpts,
      bands,
      legend: { live: true },
      hooks: {
        init: [(u) => {
          const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series')
          for (const i of edges) rows[i]?.style.setProperty('display', 'none')
        }]
      },
      cursor: { drag: { x: true, y: false } }
    },
    data: data as uPlot.AlignedData
  }
}

export function TimeChart (props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<{ chart: uPlot, shape: string } | undefined>(undefined)
  // a chart of nothing but gaps says less than the empty line
  const empty = props.t.length === 0 || props.series.every((s) => valuesIn(s.values) === 0)

  useEffect(() => {
    const el = host.current
    if (el === null || empty) return
    const width = Math.max(200, el.clientWidth)
    const { opts, data } = build(props, width)
    const key = shape(props.series)
    if (plot.current !== undefined && plot.current.shape === key) {
      plot.current.chart.setData(data)
      return
    }
    plot.current?.chart.destroy()
    plot.current = { chart: new uPlot(opts, data, el), shape: key }
  }, [props.t, props.series, props.height, empty])

  useEffect(() => {
    const el = host.current
    if (el === null) return
    const observer = new ResizeObserver(() => {
      plot.current?.chart.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 })
    })
    observer.observe(el)
    return () => {
      observer.disconnect()
      plot.current?.chart.destroy()
      plot.current = undefined
    }
  }, [])

  return (
    <div class='chart'>
      {empty && <div class='empty'>{props.empty ?? 'No data in this range.'}</div>}
      <div ref={host} class='chart-canvas' hidden={empty} />
    </div>
  )
}
