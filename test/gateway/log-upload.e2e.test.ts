/**
 * Log upload and replay end to end, on one backend: a simulated T-box
 * with worn brake pads drives while the live rules open its fault; an
 * engineer asks it for a candump log of that time over the API; the T-box
 * uploads it in chunks with the command's one-time token and acks; the
 * gateway keeps it, replays it through the rules and shows the report,
 * which raises the fault the live rules raised, with its evidence. A draft
 * rule is tried on the same log without touching the stored report. Behind
 * the gateway's TLS, the upload goes over https.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import type { CommandState } from '../../actions/commands/model.js'
import { requestLogUpload } from '../../actions/logs/request.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules } from '../../rules/load.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { Tbox } from '../../sim/tbox.js'
import { oneBackend } from '../helpers/backends.js'
import { startTestGateway } from '../helpers/gateway.js'
import { TestPki } from '../helpers/pki.js'
import { until } from '../helpers/until.js'
import { freePort } from '../../runtime/free-port.js'
import type { Storage } from '../../storage/index.js'

const FINAL: readonly CommandState[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled']
const RULE = 'pads-worn'
const PAD_WEAR = 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear'

t.test('behind the gateway\'s TLS the upload URL is https, and the T-box uploads through it', async (t) => {
  const pki = TestPki.create()
  t.teardown(() => { pki.remove() })
  const server = pki.server('127.0.0.1')
  const tg = await startTestGateway(await oneBackend(), { mqttPort: 0, mqttTlsPort: await freePort(), tlsCert: server.cert, tlsKey: server.key })
  t.teardown(() => tg.close())
  const { gateway } = tg
  const vin = 'WPWUPLDTLS0000001'
  const { secret } = await provisionDevice(gateway.storage.vehicles, { vin, model: 'PW-LOG' })
  const ca = readFileSync(pki.caCert)
  const tbox = new Tbox({ url: `mqtts://127.0.0.1:${gateway.mqttTlsPort}`, ca, vin, secret, seed: 9, rateHz: 5, commands: { trustedKeys: gateway.commandKeys.publicKeys, stepMs: 10 } })
  const startedMs = Date.now()
  tbox.start()
  t.teardown(async () => { await tbox.stop(0) })
  await until('a second of driving', async () => tbox.counters().acked >= 5 ? true : undefined)
  const { command, log } = await gatewayLogRequest(gateway.storage, vin, startedMs)
  const sent = await until('the command to go out', async () => {
    const c = await gateway.storage.commands.get(command.id)
    return FINAL.includes(c.state) ? c : undefined
  })
  t.equal(sent.state, 'succeeded', sent.detail ?? '')
  t.match((await gateway.storage.vehicleLogs.get(log.id)), { state: /^(complete|decoded)$/, uploadedBy: 'vehicle' }, 'the log arrived over https')
})

/** A log-upload request as the API makes one (the TLS test has no API token to spare the setup of). */
async function gatewayLogRequest (storage: Storage, vin: string, fromMs: number): Promise<Awaited<ReturnType<typeof requestLogUpload>>> {
  return await requestLogUpload({ logs: storage.vehicleLogs, commands: storage.commands }, { vin, fromMs, toMs: Date.now(), kind: 'candump', ttlMs: 600_000, requestedBy: 'test' },
    { unfinishedPerVehicle: 4, uploadWindowMs: 600_000 }, { from: 'from', to: 'to', kind: 'kind' })
}

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const tg = await startTestGateway(backend, { canDbc: `0=${DEMO_DBC_FILE}`, rulesPollMs: 100 })
    t.teardown(() => tg.close())
    const { gateway } = tg
    const storage = gateway.storage
    const token = (await storage.apiTokens.create({ name: 'engineer', role: 'engineer' })).token
    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read by path
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      return { status: res.status, json: await res.json() }
    }
    await storage.rules.apply(parseRules(`rules:
  - id: ${RULE}
    name: Front pads worn
    severity: minor
    when: { signal: ${PAD_WEAR}, op: '>=', value: 80 }
    for: 2s
`))

    const vin = 'WPWUPLD0000000001'
    const { secret } = await provisionDevice(storage.vehicles, { vin, model: 'PW-LOG', firmware: '1.0.0' })
    const tbox = new Tbox({
      url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
      vin,
      secret,
      seed: 7,
      rateHz: 5,
      faults: ['brakewear'],
      // small chunks: the log goes up in several requests, as a large one would
      commands: { trustedKeys: gateway.commandKeys.publicKeys, stepMs: 10, uploadChunkBytes: 16 * 1024 }
    })
    const startedMs = Date.now()
    tbox.start()
    t.teardown(async () => { await tbox.stop(0) })

    const live = await until('the live rules to open the fault', async () => (await storage.faults.list({ limit: 10 })).find((f) => f.vin === vin && f.ruleId === RULE))
    t.ok(live.evidence.some((e) => e.signal === PAD_WEAR && e.value >= 80), 'the live fault carries the pad wear it saw')

    const asked = await api('POST', '/api/v1/commands', { vin, diagnostic: { logUpload: { from: new Date(startedMs - 1000).toISOString(), to: new Date().toISOString(), kind: 'candump' } } })
    t.equal(asked.status, 201, JSON.stringify(asked.json))
    const logId = asked.json.body.diagnostic.logUpload.logId as number
    t.ok(Number.isInteger(logId), 'the command names the upload its log goes to')
    t.notOk(JSON.stringify(asked.json).includes('pwu_'), 'no upload token is stored with the command')

    const command = await until('the T-box to finish the upload', async () => {
      const got = await api('GET', `/api/v1/commands/${asked.json.id as string}`)
      return FINAL.includes(got.json.command.state) ? got.json.command : undefined
    })
    t.equal(command.state, 'succeeded', command.detail)
    t.match(command.detail, /uploaded \d+ bytes in \d+ requests/, 'in several chunks')

    const decoded = await until('the log to be replayed', async () => {
      const got = await api('GET', `/api/v1/logs/${logId}`)
      return got.json.log.state === 'decoded' || got.json.log.state === 'failed' ? got.json : undefined
    })
    t.equal(decoded.log.state, 'decoded', decoded.log.detail)
    t.match(decoded.log, { vin, kind: 'candump', uploadedBy: 'vehicle', requestedBy: 'engineer', sha256: /^[0-9a-f]{64}$/ })
    t.equal(decoded.log.size, decoded.log.received)
    const { report } = decoded
    t.match(report, { rules: 'current', decodedWith: 'default (--can-dbc)', badLines: 0, clock: 'log' })
    t.ok(report.frames > 100 && report.samples > report.frames, `frames decoded into samples (${report.frames} frames, ${report.samples} samples)`)
    const opened = report.events.find((e: { ruleId: string, type: string }) => e.ruleId === live.ruleId && e.type === 'opened')
    t.ok(opened, `the replay raises the fault the live rules raised (${live.ruleId})`)
    t.ok(opened.evidence.some((e: { signal: string, value: number }) => e.signal === PAD_WEAR && e.value >= 80), 'with its evidence')

    const listed = await api('GET', `/api/v1/vehicles/${vin}/logs`)
    t.match(listed.json.logs, [{ id: logId, state: 'decoded', commandId: command.id }])

    const draft = await api('POST', `/api/v1/logs/${logId}/replay`, { text: `id: pads-gone\nname: pads gone\nseverity: major\nwhen: { signal: ${PAD_WEAR}, op: '>=', value: 99.5 }\nfor: 1s\n` })
    t.equal(draft.status, 200, JSON.stringify(draft.json))
    t.match(draft.json.report, { rules: 'draft', ruleIds: ['pads-gone'], events: [] }, 'a draft that the log does not meet raises nothing')
    t.equal((await api('GET', `/api/v1/logs/${logId}`)).json.report.rules, 'current', 'and the stored report stays the current rules\' one')

    const rerun = await api('POST', `/api/v1/logs/${logId}/replay`)
    t.equal(rerun.status, 200)
    t.equal(rerun.json.report.byRule[RULE], report.byRule[RULE], 'a rerun with the current rules finds the same')
  })
}
