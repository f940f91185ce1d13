/**
 * One SSE stream over a real HTTP connection: heartbeats while quiet, and a
 * client that stops reading is dropped once its buffer is full instead of
 * being buffered without end, while a client that keeps reading is not.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { SseStream } from '../../../gateway/events/sse.js'
import { until } from '../../helpers/until.js'
import { SseClient } from './sse-client.js'

t.test('heartbeats, and a client that stops reading is dropped', async (t) => {
  const streams: SseStream[] = []
  const server = http.createServer((_req, res) => {
    const stream = new SseStream(res, { heartbeatMs: 50, maxBufferedBytes: 64 * 1024 })
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    stream.body.pipe(res)
    streams.push(stream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const port = (server.address() as AddressInfo).port

  const reader = await SseClient.open(port, '/')
  t.teardown(() => { reader.close() })
  await until('a heartbeat', async () => reader.comments > 0 ? true : undefined)
  t.equal(reader.retry, 3000)

  const stalled = await SseClient.open(port, '/')
  t.teardown(() => { stalled.close() })
  stalled.response.pause()
  await until('both streams', async () => streams.length === 2 ? true : undefined)
  const [fast, slow] = streams as [SseStream, SseStream]
  const event = { filler: 'x'.repeat(8 * 1024) }
  const pump = setInterval(() => { for (const s of streams) s.send('filler', event) }, 2)
  t.teardown(() => { clearInterval(pump) })
  await until('the stalled client dropped', async () => slow.dropped ? true : undefined, { timeoutMs: 20_000 })
  clearInterval(pump)
  t.notOk(fast.dropped, 'the client that reads keeps its stream')
  // what the kernel had already taken for it is still readable; then the connection ends
  stalled.response.resume()
  await until('its connection closed', async () => stalled.closed ? true : undefined)
  t.ok(reader.events.length > 10, `the reader got the events (${reader.events.length})`)
})
