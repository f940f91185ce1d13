/**
 * A refused client costs the operator a log line, not its payload: the
 * client id and topics an unauthenticated client chose are clipped before
 * they are logged (issue 16: 65,000-byte client ids wrote 383 MB of log in
 * 10 s).
 */
import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { startGateway } from '../../../gateway/app.js'
import { loadConfig } from '../../../gateway/config.js'
import { MAX_UNTRUSTED_LOG_CHARS } from '../../../gateway/logger.js'
import { freePort } from '../../../runtime/free-port.js'
import { connectVehicle } from '../../helpers/gateway.js'

t.test('a refused 65,000-character client id and last-will topic are logged clipped', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); done() } })
  const log = pino({ level: 'warn' }, sink)
  const config = loadConfig({}, { mqttHost: '127.0.0.1', mqttPort: await freePort(), httpHost: '127.0.0.1', httpPort: 0, dataDir: 'memory://',
    // a CONNECT this large is otherwise closed at its fixed header (PITWALL_MAX_CONNECT_BYTES), before anything is logged
    maxConnectBytes: 262144 })
  const gateway = await startGateway(config, log)
  t.teardown(async () => { await gateway.close() })

  const huge = 'X'.repeat(65_000)
  await t.rejects(connectVehicle(gateway.mqttPort, huge, 'secret', { username: huge }))
  await t.rejects(connectVehicle(gateway.mqttPort, 'WDB12345678901234', 'secret', { will: { topic: `v1/${huge}`, payload: Buffer.from('x'), qos: 0, retain: false } }))

  const refusals = lines.filter((l) => l.includes('connection refused'))
  t.equal(refusals.length, 2, 'both refusals are logged')
  for (const line of refusals) {
    t.ok(line.length < 1000, `a line of ${line.length} characters`)
    t.match(line, new RegExp(`"(v1/)?X{${MAX_UNTRUSTED_LOG_CHARS - 3},${MAX_UNTRUSTED_LOG_CHARS}}… \\((65000|65003) chars\\)"`), 'its first characters, and how long it was')
  }
})
