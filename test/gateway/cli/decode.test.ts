/**
 * `pitwall decode` as an engineer runs it: the real CLI on a candump log whose
 * frames the encoder wrote from known values, and on the ULog fixtures.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { compileCanNetwork } from '../../../decoders/can/compile.js'
import { parseDbcFile } from '../../../decoders/can/dbc-parse.js'
import { DEMO_DBC_FILE } from '../../../sim/demo-ecu.js'
import { pitwall } from '../../helpers/cli.js'

const ulogDir = fileURLToPath(new URL('../../../../shared/fixtures/ulog/', import.meta.url))

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase()

t.test('a candump log decodes to one line per signal with labels, in jsonl and csv', async (t) => {
  const network = compileCanNetwork([{ bus: 0, database: parseDbcFile(DEMO_DBC_FILE) }])
  const engine = network.encode(0, 'ECM_EngineData', { EngineSpeed: 2150.5, ThrottlePosition: 12, EngineLoad: 40, EngineRunning: 1, StartStopActive: 0 })
  const tpms = network.encode(0, 'TPMS_TyreStatus', {
    TyrePressureFL: 230, TyrePressureFR: 231.5, TyrePressureRL: 228, TyrePressureRR: 229, TyreTemperatureMax: 31, TpmsWarning: 1
  })
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-decode-'))
  const log = join(dir, 'drive.log')
  writeFileSync(log, [
    `(1700000000.000100) can0 100#${hex(engine)}`,
    `(1700000000.010000) can1 18FF4033#${hex(tpms)}`,
    '(1700000000.020000) can0 7DF#0201050000000000', // an OBD request: no DBC message
    'this is not a frame',
    `(1700000000.030000) can0 100#${hex(engine)}`
  ].join('\n') + '\n')

  const jsonl = await pitwall('decode', '--dbc', DEMO_DBC_FILE, '--candump', log)
  t.equal(jsonl.code, 2, 'a line that is not a frame makes the exit status 2')
  t.match(jsonl.stderr, /drive\.log:4: not a candump -l line/)
  t.match(jsonl.stderr, /"frames":4,"signals":16,"unknownFrames":1,"badLines":1/)
  const lines = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.equal(lines.length, 16, "5 engine signals twice and 6 TPMS signals")
  t.same(lines[0], { t: 1700000000.0001, bus: 'can0', id: 256, message: 'ECM_EngineData', signal: 'EngineSpeed', value: 2150.5 })
  t.same(lines.find((l) => l.signal === 'EngineRunning'), { t: 1700000000.0001, bus: 'can0', id: 256, message: 'ECM_EngineData', signal: 'EngineRunning', value: 1, label: 'Running' })
  t.same(lines.find((l) => l.signal === 'TpmsWarning'), { t: 1700000000.01, bus: 'can1', id: 0x18ff4033, message: 'TPMS_TyreStatus', signal: 'TpmsWarning', value: 1, label: 'LowPressure' })
  t.equal(lines.find((l) => l.signal === 'TyrePressureFR')?.value, 231.5)

  const csv = await pitwall('decode', '--dbc', DEMO_DBC_FILE, '--candump', log, '--format', 'csv')
  const rows = csv.stdout.trim().split('\n')
  t.equal(rows[0], 't,bus,id,message,signal,value,label')
  t.equal(rows[4], '1700000000.0001,can0,256,ECM_EngineData,EngineRunning,1,Running')
  t.equal(rows.length, 17)
})

t.test('usage errors name what is missing', async (t) => {
  t.match((await pitwall('decode', '--candump', 'x.log')).stderr, /--candump needs --dbc FILE/)
  t.match((await pitwall('decode', '--dbc', DEMO_DBC_FILE)).stderr, /give one of --candump LOG \(with --dbc FILE\) or --ulog FILE/)
  t.match((await pitwall('decode', '--ulog', 'a.ulg', '--format', 'xml')).stderr, /--format must be jsonl or csv, got xml/)
})

t.test('a ULog decodes to time-ordered lines', { skip: existsSync(ulogDir) ? false : `ULog fixtures not present in ${ulogDir}` }, async (t) => {
  const result = await pitwall('decode', '--ulog', join(ulogDir, 'sample_log_small.ulg'))
  t.equal(result.code, 0, result.stderr)
  const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { t: number, bus: string, message: string, signal: string, value: number })
  t.ok(lines.length > 10_000, `${lines.length} signal values`)
  t.ok(lines.every((l) => l.bus === 'ulog'))
  let ordered = true
  for (let i = 1; i < lines.length; i++) if ((lines[i]?.t as number) < (lines[i - 1]?.t as number)) ordered = false
  t.ok(ordered, 'in time order')
  t.ok(lines.some((l) => l.message === 'vehicle_gps_position' || l.message === 'sensor_gps'), 'GNSS topic present')

  const dir = mkdtempSync(join(tmpdir(), 'pitwall-ulog-'))
  const { readFileSync } = await import('node:fs')
  const bytes = readFileSync(join(ulogDir, 'sample_log_small.ulg'))
  const cut = join(dir, 'cut.ulg')
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
  const truncated = await pitwall('decode', '--ulog', cut)
  t.equal(truncated.code, 0, 'a log cut mid-message (power lost) is read to the cut, not refused')
  t.match(truncated.stderr, /pitwall decode: warning: .*cut\.ulg at byte \d+: the log ends inside a message \(\d+ bytes needed, \d+ left\): cut mid-message, the unfinished message is discarded; everything before it was read/)
  t.ok(truncated.stdout.split('\n').length > 1000, 'the signals before the cut were written')

  const topics = await pitwall('decode', '--ulog', cut, '--topics')
  t.equal(topics.code, 0, topics.stderr)
  const counts = JSON.parse(topics.stdout) as { dataMessages: number, truncated: string | null, topics: Record<string, unknown> }
  t.ok(counts.dataMessages > 5000 && Object.keys(counts.topics).length > 50, `the counts up to the cut: ${counts.dataMessages} data messages`)
  t.match(counts.truncated, /cut\.ulg at byte \d+: the log ends inside a message .*: cut mid-message/)
  t.match(topics.stderr, /pitwall decode: warning: .*cut\.ulg at byte \d+: the log ends inside a message .*: cut mid-message/)
})
