/**
 * End to end, with real MQTT clients against a gateway on ephemeral ports,
 * on both storage backends: what a T-box sees (CONNACK, PUBACK, SUBACK,
 * closed connections) and what ends up stored.
 */
import t from 'tap'
import mqtt from 'mqtt'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { fetchMetric } from '../helpers/metrics.js'
import { closedByBroker, connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { poolOf } from '../../storage/index.js'

const VIN = 'WDB12345678901234'
const OTHER_VIN = 'WDB00000000000007'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const tg = await startTestGateway(backend, { maxPacketBytes: 64 * 1024, signalRollupIntervalMs: 1000 })
    t.teardown(() => tg.close())
    const { gateway } = tg
    const port = gateway.mqttPort
    const secret = await tg.provision(VIN)
    const otherSecret = await tg.provision(OTHER_VIN)
    const q = async <R extends object>(sql: string, params: unknown[] = []): Promise<R[]> =>
      (await poolOf(gateway.storage).query<R>(sql, params)).rows

    t.test('an acknowledged batch is stored with its decoded signals, position and DTCs', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.endAsync())
      const payload = testBatch({ vin: VIN, seq: 1, frames: 5 })
      await publishQos1(client, `v1/${VIN}/telemetry`, payload)
      // PUBACK means the raw batch is committed: nothing waits for it
      const [batch] = await q<{ can_frames: number, payload: Buffer }>(
        'SELECT b.can_frames, b.payload FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND b.seq = 1', [VIN])
      t.equal(batch?.can_frames, 5)
      t.same(batch?.payload, Buffer.from(payload), 'raw batch archived byte for byte')
      // its decoded rows follow, off the PUBACK path (storage/projector.ts)
      await gateway.storage.projector.idle()
      const samples = await q<{ name: string, value: number }>(
        `SELECT c.name, s.value FROM signal_samples s JOIN signal_catalog c ON c.id = s.signal_id
         JOIN vehicles v ON v.id = s.vehicle_id WHERE v.vin = $1 ORDER BY s.time`, [VIN])
      t.same(samples, [
        { name: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 90 },
        { name: 'Vehicle.Powertrain.CombustionEngine.Speed', value: 1800 },
        { name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure', value: 231.5 }
      ])
      const [fix] = await q<{ lat: number, lon: number, speed_mps: number }>(
        'SELECT lat, lon, speed_mps FROM gnss_fixes g JOIN vehicles v ON v.id = g.vehicle_id WHERE v.vin = $1', [VIN])
      t.same(fix, { lat: 48.1372, lon: 11.5755, speed_mps: 13.89 })
      const [dtc] = await q<{ dtc: number, status: number }>(
        'SELECT dtc, status FROM dtc_events d JOIN vehicles v ON v.id = d.vehicle_id WHERE v.vin = $1', [VIN])
      t.same(dtc, { dtc: 0x030100, status: 0x09 })
    })

    // Each subtest that counts rows gets a vehicle of its own, so none depends on another.
    let vehicles = 0
    const freshVehicle = async (): Promise<{ vin: string, secret: string }> => {
      const vin = `WDBFRESH${String(++vehicles).padStart(9, '0')}`
      return { vin, secret: await tg.provision(vin) }
    }

    t.test('a batch sent twice with the same seq is stored once', async (t) => {
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.endAsync())
      const payload = testBatch({ vin: v.vin, seq: 2 })
      await Promise.all([
        publishQos1(client, `v1/${v.vin}/telemetry`, payload),
        publishQos1(client, `v1/${v.vin}/telemetry`, payload)
      ])
      await publishQos1(client, `v1/${v.vin}/telemetry`, payload)
      // the PUBACKs promise the raw batch; its decoded rows follow (storage/projector.ts)
      await gateway.storage.projector.idle()
      const [row] = await q<{ n: number, samples: number }>(
        `SELECT (SELECT count(*) FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND seq = 2) AS n,
                (SELECT count(*) FROM signal_samples s JOIN vehicles v ON v.id = s.vehicle_id WHERE v.vin = $1) AS samples`, [v.vin])
      t.equal(row?.n, 1)
      t.equal(row?.samples, 3, 'its 3 samples stored once')
    })

    t.test('a batch reusing a stored seq and base time with other content is kept as a dead letter, not dropped as a duplicate', async (t) => {
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.endAsync())
      const baseTimeUs = Date.now() * 1000
      await publishQos1(client, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 1, frames: 1, baseTimeUs }))
      const reflashed = testBatch({ vin: v.vin, seq: 1, frames: 2, baseTimeUs })
      await publishQos1(client, `v1/${v.vin}/telemetry`, reflashed)
      const letters = await q<{ reason_code: string, payload: Buffer }>('SELECT reason_code, payload FROM dead_letters WHERE vin = $1', [v.vin])
      t.same(letters, [{ reason_code: 'PITWALL_ERR_SEQ_REUSED', payload: Buffer.from(reflashed) }])
    })

    t.test('a T-box whose seq counter restarted sends new batches with new times: both the old and the new batch are stored', async (t) => {
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.endAsync())
      const before = Date.now() * 1000 - 3_600e6
      await publishQos1(client, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 1, frames: 1, baseTimeUs: before }))
      await publishQos1(client, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 1, frames: 2, baseTimeUs: before + 3_600e6 }))
      const stored = await q<{ can_frames: number }>('SELECT b.can_frames FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 ORDER BY b.base_time', [v.vin])
      t.same(stored.map((r) => r.can_frames), [1, 2])
      t.same(await q('SELECT 1 FROM dead_letters WHERE vin = $1', [v.vin]), [], 'no dead letter')
    })

    t.test('publishing to an own topic outside the allow-list closes the connection, nothing acknowledged', async (t) => {
      for (const topic of [`v1/${VIN}/telemetry/can`, `v1/${VIN}/junk`, `v1/${VIN}/cmd`]) {
        const client = await connectVehicle(port, VIN, secret)
        t.teardown(() => client.end(true))
        const closed = closedByBroker(client)
        let acked = false
        client.publish(topic, Buffer.from(testBatch({ vin: VIN, seq: 99 })), { qos: 1 }, (err) => { acked = err === undefined })
        await closed
        t.notOk(acked, topic)
      }
    })

    t.test('a retained status over 1 KB closes the connection', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.end(true))
      const closed = closedByBroker(client)
      client.publish(`v1/${VIN}/status`, Buffer.alloc(2000, 0x20), { qos: 1, retain: true })
      await closed
      t.pass('closed')
    })

    t.test('a last will outside the vehicle\'s status topic is refused at CONNECT', async (t) => {
      const err = await connectVehicle(port, VIN, secret, { will: { topic: `v1/${OTHER_VIN}/cmd`, payload: Buffer.from('x'), qos: 1, retain: false } })
        .then(() => undefined, (e: Error) => e)
      t.ok(err !== undefined, `refused: ${err?.message ?? ''}`)
      const ok = await connectVehicle(port, VIN, secret, { will: { topic: `v1/${VIN}/status`, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } })
      await ok.endAsync()
    })

    t.test('an oversized PUBLISH on a non-telemetry topic is dead-lettered and closes the connection; the gateway carries on', async (t) => {
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.end(true))
      const closed = closedByBroker(client)
      client.publish(`v1/${v.vin}/cmd/ack`, Buffer.alloc(100 * 1024), { qos: 1 })
      await closed
      const again = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => again.endAsync())
      await publishQos1(again, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 1 }))
      const letters = await q<{ reason_code: string, topic: string }>('SELECT reason_code, topic FROM dead_letters WHERE vin = $1', [v.vin])
      t.same(letters, [{ reason_code: 'PITWALL_ERR_PACKET_TOO_LARGE', topic: `v1/${v.vin}/cmd/ack` }])
    })

    t.test('a session takeover leaves the vehicle\'s retained status online', async (t) => {
      const v = await freshVehicle()
      const first = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => first.end(true))
      const second = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => second.endAsync())
      await new Promise((resolve) => setTimeout(resolve, 100))
      const watcher = await connectVehicle(port, v.vin, v.secret, { clientId: v.vin, clean: true })
      // that was a takeover too; what matters is the retained value it finds
      t.teardown(() => watcher.endAsync())
      const status = new Promise<string>((resolve) => watcher.on('message', (_topic, payload) => resolve((JSON.parse(payload.toString()) as { state: string }).state)))
      await watcher.subscribeAsync(`v1/${v.vin}/status`, { qos: 1 })
      t.equal(await status, 'online')
    })

    t.test('a wrong secret is refused with CONNACK 4', async (t) => {
      const err = await connectVehicle(port, VIN, 'not-the-secret').then(() => undefined, (e: Error & { code?: number }) => e)
      t.equal(err?.code, 4)
    })

    t.test('an unknown VIN is refused with the same CONNACK 4', async (t) => {
      const err = await connectVehicle(port, 'WDB99999999999999', secret).then(() => undefined, (e: Error & { code?: number }) => e)
      t.equal(err?.code, 4)
    })

    t.test('a client id that is not the username is refused with CONNACK 2', async (t) => {
      const err = await connectVehicle(port, VIN, secret, { username: OTHER_VIN }).then(() => undefined, (e: Error & { code?: number }) => e)
      t.equal(err?.code, 2)
    })

    t.test('publishing under another vehicle\'s topic closes the connection and stores nothing', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.end(true))
      const closed = closedByBroker(client)
      client.publish(`v1/${OTHER_VIN}/telemetry`, Buffer.from(testBatch({ vin: OTHER_VIN, seq: 1 })), { qos: 1 })
      await closed
      const [row] = await q<{ n: number }>('SELECT count(*) AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1', [OTHER_VIN])
      t.equal(row?.n, 0)
    })

    t.test('subscribing to another vehicle\'s topics is refused, its own granted', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.endAsync())
      // mqtt.js turns any refused filter into an error; read the SUBACK itself.
      const suback = new Promise<number[]>((resolve) => client.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[])
      }))
      client.subscribe([`v1/${OTHER_VIN}/cmd`, 'v1/+/cmd', '#', `v1/${VIN}/cmd`], { qos: 1 }, () => {})
      t.same(await suback, [128, 128, 128, 1])
      t.notOk(client.disconnected, 'the connection stays up')
    })

    t.test('a vehicle receives its own retained status and commands, never another\'s', async (t) => {
      const other = await connectVehicle(port, OTHER_VIN, otherSecret)
      t.teardown(() => other.endAsync())
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.endAsync())
      const received: string[] = []
      client.on('message', (topic) => received.push(topic))
      await client.subscribeAsync(`v1/${VIN}/#`, { qos: 1 })
      await publishQos1(other, `v1/${OTHER_VIN}/cmd/ack`, Buffer.from('x'))
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 3 }))
      await new Promise((resolve) => setTimeout(resolve, 100))
      t.same(received, [`v1/${VIN}/status`], 'its retained status only: no telemetry echo, nothing of the other vehicle')
    })

    t.test('a malformed payload is dead-lettered with its reason and the connection\'s next batch still lands', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.endAsync())
      const garbage = Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02])
      await publishQos1(client, `v1/${VIN}/telemetry`, garbage)
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: OTHER_VIN, seq: 10 }))
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 11 }))
      const letters = await q<{ reason_code: string, reason: string, payload: Buffer | null }>(
        'SELECT reason_code, reason, payload FROM dead_letters WHERE vin = $1 ORDER BY id', [VIN])
      t.same(letters.map((l) => l.reason_code), ['PITWALL_ERR_MALFORMED_PROTOBUF', 'PITWALL_ERR_VIN_MISMATCH'])
      t.same(letters[0]?.payload, garbage, 'the refused bytes are kept')
      t.match(letters[1]?.reason, new RegExp(`batch vin "${OTHER_VIN}" differs from the authenticated vehicle ${VIN}`))
      const [row] = await q<{ n: number }>('SELECT count(*) AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND seq = 11', [VIN])
      t.equal(row?.n, 1)
    })

    t.test('an oversized payload is dead-lettered by size without being buffered, and the next batch still lands', async (t) => {
      const client = await connectVehicle(port, VIN, secret)
      t.teardown(() => client.endAsync())
      const big = testBatch({ vin: VIN, seq: 20, frames: 10_000 })
      t.ok(big.length > 64 * 1024)
      await publishQos1(client, `v1/${VIN}/telemetry`, big)
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 21 }))
      const [letter] = await q<{ reason_code: string, payload_size: number, payload: Buffer | null }>(
        "SELECT reason_code, payload_size, payload FROM dead_letters WHERE vin = $1 AND reason_code = 'PITWALL_ERR_PACKET_TOO_LARGE'", [VIN])
      t.equal(letter?.payload, null)
      t.ok((letter?.payload_size ?? 0) > big.length, 'size of the whole packet recorded')
      const rows = await q<{ seq: string }>('SELECT seq FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND seq IN (20, 21)', [VIN])
      t.same(rows, [{ seq: '21' }])
      t.notOk(client.disconnected)
    })

    t.test('MQTT over WebSocket on /mqtt has the same authentication and ingest', async (t) => {
      const options = { protocolVersion: 4 as const, clientId: VIN, username: VIN, reconnectPeriod: 0 }
      const url = `ws://127.0.0.1:${gateway.httpPort}/mqtt`
      const client = await mqtt.connectAsync(url, { ...options, password: secret })
      t.teardown(() => client.endAsync())
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 30 }))
      const [row] = await q<{ n: number }>('SELECT count(*) AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND seq = 30', [VIN])
      t.equal(row?.n, 1)
      await t.rejects(mqtt.connectAsync(url, { ...options, password: 'wrong' }), { code: 4 })
    })

    t.test('the gateway\'s rollup pass takes in the samples of a minute that has ended', async (t) => {
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.endAsync())
      await publishQos1(client, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 1, baseTimeUs: (Date.now() - 10 * 60_000) * 1000 }))
      const rolled = async (): Promise<Array<{ name: string, min: number, count: number }>> => await q(
        `SELECT c.name, m.min, m.count FROM signal_minutes m JOIN signal_catalog c ON c.id = m.signal_id
         JOIN vehicles v ON v.id = m.vehicle_id WHERE v.vin = $1 ORDER BY c.name`, [v.vin])
      for (let i = 0; i < 100 && (await rolled()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
      t.same(await rolled(), [
        { name: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure', min: 231.5, count: 1 },
        { name: 'Vehicle.Powertrain.CombustionEngine.ECT', min: 90, count: 1 },
        { name: 'Vehicle.Powertrain.CombustionEngine.Speed', min: 1800, count: 1 }
      ])
    })

    t.test('metrics count what happens', async (t) => {
      const metric = async (series: string): Promise<number> => (await fetchMetric(gateway.httpPort))(series)
      const series = [
        'pitwall_batches_total{outcome="stored"}',
        'pitwall_batches_total{outcome="duplicate"}',
        'pitwall_dead_letters_total{code="PITWALL_ERR_PACKET_TOO_LARGE"}',
        'pitwall_mqtt_auth_failures_total{reason="bad_secret"}',
        'pitwall_mqtt_acl_denials_total{operation="subscribe"}'
      ]
      const before = await Promise.all(series.map(metric))
      const v = await freshVehicle()
      const client = await connectVehicle(port, v.vin, v.secret)
      t.teardown(() => client.endAsync())
      const batch = testBatch({ vin: v.vin, seq: 1 })
      await publishQos1(client, `v1/${v.vin}/telemetry`, batch)
      await publishQos1(client, `v1/${v.vin}/telemetry`, batch)
      await publishQos1(client, `v1/${v.vin}/telemetry`, testBatch({ vin: v.vin, seq: 2, frames: 10_000 }))
      await connectVehicle(port, v.vin, 'wrong').catch(() => {})
      client.subscribe(`v1/${OTHER_VIN}/cmd`, { qos: 1 }, () => {})
      await new Promise((resolve) => setTimeout(resolve, 100))
      const after = await Promise.all(series.map(metric))
      t.same(after.map((x, i) => x - (before[i] as number)), [1, 1, 1, 1, 1], series.join(', '))
      const ready = await fetch(`http://127.0.0.1:${gateway.httpPort}/readyz`)
      t.equal(ready.status, 200)
    })
  })
}
