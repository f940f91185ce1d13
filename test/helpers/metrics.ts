/** Reads a gateway's /metrics once; returns the value of a series (0 when absent). */
export async function fetchMetric (httpPort: number): Promise<(series: string) => number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  const lines = text.split('\n')
  return (series) => {
    const line = lines.find((l) => l.startsWith(series + ' '))
    return line === undefined ? 0 : Number(line.slice(series.length + 1))
  }
}
