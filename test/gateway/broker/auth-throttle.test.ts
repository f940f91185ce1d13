/**
 * Wrong-secret floods are refused before any secret is verified (issue 16:
 * 574 wrong-secret CONNECTs/s from one address slowed honest connects from
 * ~10 ms to 70–540 ms). A real aedes with Pitwall's authenticate hook, real
 * MQTT.js clients, a stepped clock, and three listeners that stand for three
 * source addresses (the origin a listener stamps on its connections, as the
 * WebSocket listener does).
 */
import { Aedes } from 'aedes'
import { createServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { ConnectThrottle, createAuthenticate } from '../../../gateway/broker/authenticate.js'
import { DEFAULT_MAX_CONNECT_BYTES, PacketLimitedStream } from '../../../gateway/broker/packet-limit.js'
import { LatestConnections } from '../../../gateway/broker/sessions.js'
import { hashSecret, VerifiedSecretCache } from '../../../gateway/credentials.js'
import { createMetrics } from '../../../gateway/metrics.js'
import { connectVehicle, startTestGateway } from '../../helpers/gateway.js'
import { fetchMetric } from '../../helpers/metrics.js'
import { oneBackend } from '../../helpers/backends.js'

const HONEST = 'WPWTHRT0000000001'
const TARGET = 'WPWTHRT0000000002'
const WRONG = 'not-the-secret'
const SOURCES = ['198.51.100.7', '203.0.113.9', '192.0.2.44'] as const
type Source = typeof SOURCES[number]

async function startBroker (t: Test) {
  let at = 1_000_000
  const secrets = { [HONEST]: 'honest-secret', [TARGET]: 'target-secret' }
  const hashes = new Map(await Promise.all(Object.entries(secrets).map(async ([vin, s], i) => [vin, { vehicleId: i + 1, vin, secretHash: await hashSecret(s) }] as const)))
  const cache = new VerifiedSecretCache()
  const verified = { count: 0 }
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); done() } })
  const metrics = createMetrics()
  const aedes = await Aedes.createBroker({
    authenticate: createAuthenticate({
      vehicles: { credential: async (vin) => hashes.get(vin), certificateCredential: async () => undefined },
      secrets: {
        // 20 ms a verification, as a loaded gateway's scrypt queue takes: long enough for CONNECTs sent together to overlap
        verify: async (secret, stored) => { verified.count++; await delay(20); return await cache.verify(secret, stored) },
        verifyUnknown: async (secret) => { verified.count++; await delay(20); return await cache.verifyUnknown(secret) }
      },
      connections: new LatestConnections(),
      throttle: new ConnectThrottle({ failuresBeforeBackoff: 3, maxBackoffMs: 60_000 }, () => at),
      metrics,
      log: pino({ level: 'warn' }, sink)
    })
  })
  const ports = new Map<Source, number>()
  for (const address of SOURCES) {
    const server = createServer((socket) => { aedes.handle(new PacketLimitedStream(socket, { maxBytes: 1 << 20, maxConnectBytes: DEFAULT_MAX_CONNECT_BYTES }, { address })) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(async () => { await new Promise<void>((resolve) => server.close(() => resolve())) })
    ports.set(address, (server.address() as AddressInfo).port)
  }
  t.teardown(async () => { await new Promise<void>((resolve) => aedes.close(() => resolve())) })

  /** the CONNACK return code: 0 accepted */
  const connect = async (from: Source, vin: string, secret: string): Promise<number> => {
    try {
      const client = await connectVehicle(ports.get(from) as number, vin, secret)
      await client.endAsync(true)
      return 0
    } catch (err) {
      return (err as { code?: number }).code ?? -1
    }
  }
  const throttled = async (by: 'source' | 'vin'): Promise<number> =>
    (await metrics.authThrottled.get()).values.find((v) => v.labels.listener === 'mqtt' && v.labels.by === by)?.value ?? 0
  return { connect, verified, lines, throttled, advance: (ms: number) => { at += ms }, secrets }
}

t.test('after N wrong secrets from one address, even the right secret is refused unverified until the back-off passes', async (t) => {
  const b = await startBroker(t)
  const [attacker] = SOURCES
  t.equal(await b.connect(attacker, HONEST, b.secrets[HONEST]), 0, 'a vehicle connects from the address before the attack')

  t.same([await b.connect(attacker, TARGET, WRONG), await b.connect(attacker, TARGET, WRONG), await b.connect(attacker, 'WPWTHRT0000000099', WRONG)], [4, 4, 4],
    'the first three wrong secrets (one for an unknown VIN) are verified and answered "bad username or password"')
  const verifiedBefore = b.verified.count

  t.equal(await b.connect(attacker, TARGET, WRONG), 3, 'the next: server unavailable')
  t.equal(await b.connect(attacker, TARGET, b.secrets[TARGET]), 3, 'the right secret from that address too')
  t.equal(await b.connect(attacker, 'WPWTHRT0000000077', WRONG), 3, 'and any other VIN from it (spraying VINs)')
  t.equal(b.verified.count, verifiedBefore, 'none of them was verified')
  t.equal(await b.throttled('source'), 3, 'each counted in pitwall_auth_throttled_total{listener="mqtt",by="source"}')

  t.equal(await b.connect(attacker, HONEST, b.secrets[HONEST]), 0, 'a vehicle that connected from the address before is exempt (a carrier NAT shared with the attacker)')

  b.advance(1000)
  t.equal(await b.connect(attacker, TARGET, b.secrets[TARGET]), 0, 'once the 1 s back-off has passed, the right secret connects')

  const throttleLines = b.lines.filter((l) => l.includes('authentication throttled'))
  t.equal(throttleLines.length, 1, 'the refusal was logged once, not per refused attempt')
  t.match(throttleLines[0], /"by":"source".*"address":"198\.51\.100\.7"/)
})

t.test('fifty wrong secrets sent at once from one address: verified a few at a time, the rest refused once the back-off starts', async (t) => {
  const b = await startBroker(t)
  const [attacker] = SOURCES
  const codes = await Promise.all(Array.from({ length: 50 }, async () => await b.connect(attacker, TARGET, WRONG)))
  // failuresBeforeBackoff is 3; two verifications run at a time, so at most one more finishes after the third failure
  t.ok(b.verified.count <= 4, `${b.verified.count} of 50 verified, not all of them before the first failure was counted`)
  t.equal(codes.filter((c) => c === 3).length, 50 - b.verified.count, 'every other one answered "server unavailable" unverified')
  t.equal(await b.connect(SOURCES[2], HONEST, b.secrets[HONEST]), 0, 'a vehicle from another address is not held up')
})

t.test('guessing one VIN from many addresses: each failing address is refused by the VIN, a clean one still gets in', async (t) => {
  const b = await startBroker(t)
  const [first, second, clean] = SOURCES
  for (let i = 0; i < 3; i++) t.equal(await b.connect(first, TARGET, WRONG), 4)
  t.equal(await b.connect(second, TARGET, WRONG), 4, 'a new address gets one verified attempt')
  const verifiedBefore = b.verified.count
  t.equal(await b.connect(second, TARGET, WRONG), 3, 'then it is refused by the VIN\'s back-off, though it failed only once itself')
  t.equal(b.verified.count, verifiedBefore, 'unverified')
  t.equal(await b.throttled('vin'), 1, 'counted by="vin"')

  t.equal(await b.connect(clean, TARGET, b.secrets[TARGET]), 0,
    'the vehicle itself, from an address that has not failed, connects: attackers cannot lock it out through its VIN')
  t.equal(await b.connect(second, TARGET, b.secrets[TARGET]), 0, 'and its success cleared the VIN\'s failures for the others')
  t.equal(await b.connect(first, TARGET, b.secrets[TARGET]), 3, 'but not the failing address\'s own')
})

t.test('the gateway takes the settings: PITWALL_AUTH_FAILURES_BEFORE_BACKOFF=2, refusals on /metrics', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { authFailuresBeforeBackoff: 2, authMaxBackoffMs: 60_000 })
  t.teardown(async () => { await tg.close() })
  const secret = await tg.provision(TARGET)
  const port = tg.gateway.mqttPort
  for (let i = 0; i < 2; i++) await t.rejects(connectVehicle(port, TARGET, WRONG), { code: 4 })
  await t.rejects(connectVehicle(port, TARGET, secret), { code: 3, message: /Server unavailable/i }, 'the third attempt, with the right secret, is refused: server unavailable')
  const metric = await fetchMetric(tg.gateway.httpPort)
  t.equal(metric('pitwall_auth_throttled_total{listener="mqtt",by="source"}'), 1)
  t.equal(metric('pitwall_mqtt_auth_failures_total{reason="throttled"}'), 1)
})
