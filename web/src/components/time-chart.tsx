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
 * container.
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
}

export const CHART_COLORS = ['#1f6feb', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#0a7b83', '#bc4c00', '#57606a']

function shape (series: readonly ChartSeries[]): string {
  return series.map((s) => `${s.label}|${s.unit ?? ''}|${s.band === undefined ? 0 : 1}`).join(';')
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
    // points only where samples are sparse (uPlot decides), so a short freeze frame still shows
    seriesOpts.push({ label: s.unit === undefined || s.unit === '' ? s.label : `${s.label} (${s.unit})`, scale, stroke: color, width: 1.5, spanGaps: true })
    data.push(s.values)
  })
  const axes: uPlot.Axis[] = [{ stroke: '#5b6577', grid: { stroke: '#eef0f3' } }]
  units.slice(0, 2).forEach((unit, i) => {
    axes.push({ scale: `y${i}`, side: i === 0 ? 3 : 1, label: unit, stroke: '#5b6577', grid: { show: i === 0, stroke: '#eef0f3' }, size: 56 })
  })
  const scales: uPlot.Scales = { x: { time: true } }
  units.forEach((_, i) => { scales[`y${i}`] = { auto: true } })
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
  const empty = props.t.length === 0 || props.series.length === 0

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
