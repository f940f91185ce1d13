import t from 'tap'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { batchLimitsOf, ENV_NAMES, loadConfig } from '../../gateway/config.js'

t.test('defaults, environment and overrides, in that order of precedence', async (t) => {
  const c = loadConfig({ PITWALL_MQTT_PORT: '2883', PITWALL_HTTP_PORT: '9090', DATABASE_URL: 'postgres://x@h/db' }, { httpPort: 7070 })
  t.equal(c.mqttPort, 2883)
  t.equal(c.httpPort, 7070)
  t.equal(c.databaseUrl, 'postgres://x@h/db')
  t.equal(c.dataDir, '.pitwall/data')
  t.equal(c.maxPacketBytes, 1048576)
})

t.test('a bad setting is named with its environment variable', async (t) => {
  t.throws(() => loadConfig({ PITWALL_MQTT_PORT: 'abc' }), { code: 'PITWALL_ERR_CONFIG', message: /mqttPort \(PITWALL_MQTT_PORT\) must be integer/ })
  t.throws(() => loadConfig({ PITWALL_MQTT_PORT: '70000', PITWALL_LOG_LEVEL: 'loud' }),
    { message: /mqttPort \(PITWALL_MQTT_PORT\) must be <= 65535.*logLevel \(PITWALL_LOG_LEVEL\) must be equal to one of the allowed values/ })
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), { message: /databaseUrl \(DATABASE_URL\) must match pattern/ })
})

t.test('caps per batch: defaults from the decoders, each set by its own environment variable', async (t) => {
  t.same(batchLimitsOf(loadConfig()), DEFAULT_BATCH_LIMITS)
  t.same(DEFAULT_BATCH_LIMITS, { canFrames: 100_000, samples: 50_000, gnss: 1_000, dtc: 1_000, obd: 2_000, firmwareChars: 64 })
  const c = loadConfig({
    PITWALL_MAX_CAN_FRAMES_PER_BATCH: '30000',
    PITWALL_MAX_SAMPLES_PER_BATCH: '60000',
    PITWALL_MAX_GNSS_PER_BATCH: '10',
    PITWALL_MAX_DTCS_PER_BATCH: '20',
    PITWALL_MAX_OBD_PER_BATCH: '0',
    PITWALL_MAX_FIRMWARE_CHARS: '32'
  }, { maxGnssPerBatch: 5 })
  t.same(batchLimitsOf(c), { canFrames: 30_000, samples: 60_000, gnss: 5, dtc: 20, obd: 0, firmwareChars: 32 })
  t.throws(() => loadConfig({ PITWALL_MAX_GNSS_PER_BATCH: '-1' }), { code: 'PITWALL_ERR_CONFIG', message: /maxGnssPerBatch \(PITWALL_MAX_GNSS_PER_BATCH\) must be >= 0/ })
  t.throws(() => loadConfig({ PITWALL_MAX_FIRMWARE_CHARS: '0' }), { message: /maxFirmwareChars \(PITWALL_MAX_FIRMWARE_CHARS\) must be >= 1/ })
  t.throws(() => loadConfig({ PITWALL_MAX_DTCS_PER_BATCH: 'many' }), { message: /maxDtcsPerBatch \(PITWALL_MAX_DTCS_PER_BATCH\) must be integer/ })
})

t.test('subscriptions per connection: 32 unless PITWALL_MAX_SUBSCRIPTIONS says otherwise, never 0', async (t) => {
  t.equal(loadConfig({}).maxSubscriptions, 32)
  t.equal(loadConfig({ PITWALL_MAX_SUBSCRIPTIONS: '100' }).maxSubscriptions, 100)
  t.throws(() => loadConfig({ PITWALL_MAX_SUBSCRIPTIONS: '0' }), { code: 'PITWALL_ERR_CONFIG', message: /maxSubscriptions \(PITWALL_MAX_SUBSCRIPTIONS\)/ })
})

t.test('Redis shared by nodes: off unless PITWALL_REDIS_URL (or --redis-url) names one, beside a shared database', async (t) => {
  const single = loadConfig({})
  t.equal(single.redisUrl, undefined, 'one node, broker state in memory, by default')
  t.equal(single.redisPrefix, 'pitwall')
  t.equal(single.redisHeartbeatMs, 10_000)
  const db = { DATABASE_URL: 'postgres://x@h/db' }
  const c = loadConfig({ ...db, PITWALL_REDIS_URL: 'redis://:secret@redis:6379/2', PITWALL_REDIS_PREFIX: 'fleet-eu.1', PITWALL_REDIS_HEARTBEAT_MS: '500' })
  t.same([c.redisUrl, c.redisPrefix, c.redisHeartbeatMs], ['redis://:secret@redis:6379/2', 'fleet-eu.1', 500])
  t.equal(loadConfig(db, { redisUrl: 'rediss://redis.internal' }).redisUrl, 'rediss://redis.internal', 'TLS, and the flag as an override')
  t.throws(() => loadConfig({ PITWALL_REDIS_URL: 'redis://redis:6379' }), { code: 'PITWALL_ERR_CONFIG', message: /PITWALL_REDIS_URL.*set DATABASE_URL/ }, 'refused beside an embedded database: each node would hold a part of the fleet')
  t.throws(() => loadConfig({ ...db, PITWALL_REDIS_URL: 'http://redis:6379' }), { message: /redisUrl \(PITWALL_REDIS_URL\) must match pattern/ })
  t.throws(() => loadConfig({ ...db, PITWALL_REDIS_URL: 'redis://redis:6379/sessions' }), { message: /PITWALL_REDIS_URL.*names database "sessions": a Redis database is a number/ })
  t.throws(() => loadConfig({ ...db, PITWALL_REDIS_URL: 'redis://[bad' }), { message: /PITWALL_REDIS_URL\) is not a URL/ })
  // the prefix is part of channel names the nodes PSUBSCRIBE with: no glob or MQTT wildcards
  for (const prefix of ['a*b', 'a/b', 'a+b', 'a b', 'x'.repeat(65)]) {
    t.throws(() => loadConfig({ ...db, PITWALL_REDIS_PREFIX: prefix }), { message: /redisPrefix \(PITWALL_REDIS_PREFIX\) must match pattern/ }, `prefix ${JSON.stringify(prefix)} refused`)
  }
  t.throws(() => loadConfig({ PITWALL_REDIS_HEARTBEAT_MS: '100' }), { message: /redisHeartbeatMs \(PITWALL_REDIS_HEARTBEAT_MS\) must be >= 200/ })
})

t.test('the rescue radius: 150 km unless PITWALL_RESCUE_RADIUS_KM says otherwise, more than 0 and at most 2,000', async (t) => {
  t.equal(loadConfig({}).rescueRadiusKm, 150)
  t.equal(loadConfig({ PITWALL_RESCUE_RADIUS_KM: '40.5' }).rescueRadiusKm, 40.5)
  t.throws(() => loadConfig({ PITWALL_RESCUE_RADIUS_KM: '0' }), { code: 'PITWALL_ERR_CONFIG', message: /rescueRadiusKm \(PITWALL_RESCUE_RADIUS_KM\)/ })
  t.throws(() => loadConfig({ PITWALL_RESCUE_RADIUS_KM: '5000' }), { code: 'PITWALL_ERR_CONFIG', message: /rescueRadiusKm \(PITWALL_RESCUE_RADIUS_KM\)/ })
})

t.test('the README documents every setting by its environment variable', async (t) => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  const missing = Object.values(ENV_NAMES).filter((name) => !readme.includes(`\`${name}\``))
  t.same(missing, [], 'each variable appears in README.md, in backquotes')
})

t.test('event streams per token: 8 unless PITWALL_MAX_SSE_STREAMS_PER_TOKEN says otherwise, never 0', async (t) => {
  t.equal(loadConfig({}).maxSseStreamsPerToken, 8)
  t.equal(loadConfig({ PITWALL_MAX_SSE_STREAMS_PER_TOKEN: '3' }).maxSseStreamsPerToken, 3)
  t.throws(() => loadConfig({ PITWALL_MAX_SSE_STREAMS_PER_TOKEN: '0' }), { code: 'PITWALL_ERR_CONFIG', message: /maxSseStreamsPerToken \(PITWALL_MAX_SSE_STREAMS_PER_TOKEN\) must be >= 1/ })
})

t.test('reading the settings does not load the HTTP API or its OpenAPI generator', async (t) => {
  // the modules gateway/config.ts loads, followed through relative imports (type-only imports load nothing)
  const loaded = new Set<string>()
  const packages = new Set<string>()
  const visit = (url: URL): void => {
    if (loaded.has(url.pathname)) return
    loaded.add(url.pathname)
    const source = readFileSync(fileURLToPath(url), 'utf8')
    for (const [, specifier] of source.matchAll(/^import (?!type )[^'"]*['"]([^'"]+)['"]/gm)) {
      if (specifier?.startsWith('.') === true) visit(new URL(specifier.replace(/\.js$/, '.ts'), url))
      else if (specifier !== undefined) packages.add(specifier)
    }
  }
  visit(new URL('../../gateway/config.ts', import.meta.url))
  t.same([...loaded].filter((p) => p.includes('/gateway/api/')), [], 'no route module')
  t.notOk(packages.has('@fastify/swagger'), 'no @fastify/swagger')
  t.ok(packages.has('ajv'), 'the walk found the imports')
})

t.test('each retention is whole days, from one to a century, and outlives compression: anything else is refused naming the variable', async (t) => {
  for (const name of ['PITWALL_RETENTION_RAW_DAYS', 'PITWALL_RETENTION_SAMPLES_DAYS', 'PITWALL_RETENTION_POSITIONS_DAYS', 'PITWALL_RETENTION_DTCS_DAYS', 'PITWALL_RETENTION_DEAD_LETTERS_DAYS']) {
    t.throws(() => loadConfig({ [name]: '0' }), { code: 'PITWALL_ERR_CONFIG', message: new RegExp(`\\(${name}\\) must be >= 1`) }, `${name}=0: shorter than a day`)
    t.throws(() => loadConfig({ [name]: '1.5' }), { code: 'PITWALL_ERR_CONFIG', message: new RegExp(`\\(${name}\\) must be integer`) }, `${name}=1.5: partitions are whole days`)
    t.throws(() => loadConfig({ [name]: '36501' }), { code: 'PITWALL_ERR_CONFIG', message: new RegExp(`\\(${name}\\) must be <= 36500`) }, `${name}=36501: over a century`)
    t.throws(() => loadConfig({ [name]: 'forever' }), { code: 'PITWALL_ERR_CONFIG', message: new RegExp(`\\(${name}\\) must be integer`) })
  }
  t.equal(loadConfig({ PITWALL_RETENTION_RAW_DAYS: '36500', PITWALL_RETENTION_DEAD_LETTERS_DAYS: '1' }).retentionRawDays, 36500, 'the bounds themselves are taken')
  t.throws(() => loadConfig({ PITWALL_RETENTION_POSITIONS_DAYS: '2', PITWALL_COMPRESS_AFTER_DAYS: '2' }),
    { code: 'PITWALL_ERR_CONFIG', message: /PITWALL_COMPRESS_AFTER_DAYS \(2 days\) must be shorter than PITWALL_RETENTION_POSITIONS_DAYS \(2 days\)/ }, 'compressing on the day it is dropped is refused too')
  t.equal(loadConfig({ PITWALL_RETENTION_POSITIONS_DAYS: '3', PITWALL_COMPRESS_AFTER_DAYS: '2' }).retentionPositionsDays, 3)
  t.equal(loadConfig({ PITWALL_RETENTION_DEAD_LETTERS_DAYS: '1', PITWALL_COMPRESS_AFTER_DAYS: '2' }).retentionDeadLettersDays, 1, 'dead letters are not compressed: shorter is fine')
})
