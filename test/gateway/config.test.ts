import t from 'tap'
import { loadConfig } from '../../gateway/config.js'

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
