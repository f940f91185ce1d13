/**
 * A gateway on ephemeral ports for end-to-end tests, its vehicles, and
 * real MQTT clients that connect as them.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { startGateway, type Gateway } from '../../gateway/app.js'
import { loadConfig, type GatewayConfig } from '../../gateway/config.js'
import { createLogger } from '../../gateway/logger.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { freePort } from '../../runtime/free-port.js'
import { createTestDatabase, type Backend } from './backends.js'

export interface TestGateway {
  gateway: Gateway
  /** registers a vehicle, returns its secret */
  provision (vin: string): Promise<string>
  close (): Promise<void>
}

/** A gateway's settings for a test: loopback listeners on free ports, embedded storage in memory unless a database is given. */
export async function testGatewayConfig (overrides: Partial<GatewayConfig> = {}): Promise<GatewayConfig> {
  return loadConfig({}, {
    mqttHost: '127.0.0.1',
    mqttPort: await freePort(),
    httpHost: '127.0.0.1',
    httpPort: 0,
    dataDir: 'memory://',
    logLevel: 'silent',
    ...overrides
  })
}

export async function startTestGateway (backend: Backend, overrides: Partial<GatewayConfig> = {}): Promise<TestGateway> {
  // A test that brings its own database (overrides.databaseUrl) gets none created.
  const db = backend === 'postgres' && overrides.databaseUrl === undefined ? await createTestDatabase({ migrated: true }) : undefined
  const config = await testGatewayConfig({ databaseUrl: db?.url, ...overrides })
  const gateway = await startGateway(config, createLogger(process.env.PITWALL_TEST_LOG ?? 'silent')).catch(async (err: unknown) => { await db?.drop(); throw err })
  return {
    gateway,
    provision: async (vin) => (await provisionDevice(gateway.storage.vehicles, { vin })).secret,
    close: async () => {
      await gateway.close()
      await db?.drop()
    }
  }
}

/** Connects as a vehicle; resolves on CONNACK, rejects on refusal. */
export async function connectVehicle (port: number, vin: string, secret: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocolVersion: 4,
    clientId: vin,
    username: vin,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options
  })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', (err) => { client.end(true); reject(err) })
    // A broker may also refuse by closing without a CONNACK.
    client.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
  return client
}

/** QoS 1 publish; resolves on PUBACK. */
export async function publishQos1 (client: MqttClient, topic: string, payload: Uint8Array): Promise<void> {
  await client.publishAsync(topic, Buffer.from(payload), { qos: 1 })
}

/** Resolves once the client's connection is closed by the broker. */
export async function closedByBroker (client: MqttClient): Promise<void> {
  if (client.disconnected) return
  await new Promise<void>((resolve) => client.once('close', () => resolve()))
}
