/**
 * The ways real DBC files break the grammar that cantools (non-strict) and
 * opendbc read anyway: each reads with a warning naming file:line:column and
 * what was assumed, decodes as the assumption says, and is refused by a
 * strict parse at the same position.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import { decodeCandump } from '../../../gateway/cli/decode.js'
import { decodeMessage, encodeMessage } from '../../../decoders/can/codec.js'
import { compileCanNetwork } from '../../../decoders/can/compile.js'
import { DbcParseError, parseDbc } from '../../../decoders/can/dbc-parse.js'
import { formatDbcWarning } from '../../../decoders/can/dbc-warnings.js'
import type { CanDatabase } from '../../../decoders/can/model.js'

function strictError (text: string): DbcParseError {
  try {
    parseDbc(text, 'q.dbc', { strict: true })
  } catch (err) {
    if (err instanceof DbcParseError) return err
    throw err
  }
  throw new Error('strict parse accepted it')
}

function message (db: CanDatabase, name: string): NonNullable<CanDatabase['messages'][number]> {
  const m = db.messages.find((x) => x.name === name)
  if (m === undefined) throw new Error(`no message ${name}`)
  return m
}

t.test('names that start with a digit (mazda_2017 2017_5, 0_COUNTER, node 4WD) are names', async (t) => {
  const text = 'BU_: 4WD ECU\nBO_ 1275 2017_5: 8 4WD\n SG_ 0_COUNTER : 4|5@0+ (1,0) [0|31] "" ECU\n SG_ 5_SEC_DISABLE_TIMER : 15|8@0+ (1,0) [0|255] "" ECU\n' +
    'VAL_ 1275 0_COUNTER 3 "three" ;\nBA_DEF_ SG_ "VssSignal" STRING ;\nBA_ "VssSignal" SG_ 1275 5_SEC_DISABLE_TIMER "x";\n'
  const db = parseDbc(text, 'q.dbc')
  const m = message(db, '2017_5')
  t.match(m, { id: 1275, sender: '4WD' })
  t.same(m.signals.map((s) => s.name), ['0_COUNTER', '5_SEC_DISABLE_TIMER'])
  t.same(m.signals[0]?.choices, new Map([[3, 'three']]), 'VAL_ finds a signal whose name starts with a digit')
  t.equal(m.signals[1]?.attributes.VssSignal, 'x', 'BA_ too')
  t.same(db.nodes.map((n) => n.name), ['4WD', 'ECU'])
  t.same(db.warnings.map((w) => `${w.kind} ${w.line}:${w.column}`), [
    'name-starts-with-digit 1:6', 'name-starts-with-digit 2:10', 'name-starts-with-digit 2:20', 'name-starts-with-digit 3:6',
    'name-starts-with-digit 4:6', 'name-starts-with-digit 5:11', 'name-starts-with-digit 7:26'
  ])
  t.match(db.warnings[1]?.message, /2017_5 \(a message name\) starts with a digit; read as a name/)
  const data = encodeMessage(m, { '0_COUNTER': 21, '5_SEC_DISABLE_TIMER': 200 })
  t.same(decodeMessage(m, data), { '0_COUNTER': 21, '5_SEC_DISABLE_TIMER': 200 })
  t.match(strictError(text), { line: 1, column: 6, expected: "a node name (a letter or '_' first)", found: "'4WD'" })
  t.equal(parseDbc('BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1e-3,0) [0|0.255] "" X\n', 'n.dbc').messages[0]?.signals[0]?.factor, 0.001, 'a number with an exponent stays a number')
})

t.test('a bare m marker: the switch of its message\'s mN signals, else SG_MUL_VAL_\'s condition, else always present', async (t) => {
  // old vw_pq.dbc: MO2_Mp_Code m : 6|2@1+ beside m0..m2 signals and no M
  const asSwitch = 'BO_ 648 Motor_2: 8 Motor\n SG_ MO2_Mp_Code m : 6|2@1+ (1,0) [0|3] "" GW\n' +
    ' SG_ MO2_Getr_Code m2 : 0|6@1+ (1,0) [0|63] "" GW\n SG_ MO2_Other m1 : 0|6@1+ (1,0) [0|63] "" GW\n'
  const db = parseDbc(asSwitch, 'q.dbc')
  const m = message(db, 'Motor_2')
  t.equal(m.signals[0]?.isMultiplexer, true)
  t.same(m.signals[1]?.multiplexedBy, { switchName: 'MO2_Mp_Code', ranges: [[2, 2]] })
  t.same(decodeMessage(m, Uint8Array.of(0x80 | 5, 0, 0, 0, 0, 0, 0, 0)), { MO2_Mp_Code: 2, MO2_Getr_Code: 5 }, 'switch 2 selects MO2_Getr_Code')
  t.match(db.warnings, [{ kind: 'bare-multiplexer', line: 2, column: 18, message: /read as M, the switch of the mN signals of message Motor_2/ }])
  t.match(strictError(asSwitch), { line: 2, column: 18, found: "'m'" })

  const byMulVal = 'BO_ 1 A: 8 X\n SG_ Sel M : 0|8@1+ (1,0) [0|255] "" X\n SG_ V m : 8|8@1+ (1,0) [0|255] "" X\nSG_MUL_VAL_ 1 V Sel 3-5;\n'
  const ext = parseDbc(byMulVal, 'q.dbc')
  t.same(message(ext, 'A').signals[1]?.multiplexedBy, { switchName: 'Sel', ranges: [[3, 5]] })
  t.match(ext.warnings, [{ kind: 'bare-multiplexer', message: /SG_MUL_VAL_ gives its condition/ }])

  const alone = parseDbc('BO_ 1 A: 8 X\n SG_ V m : 8|8@1+ (1,0) [0|255] "" X\n', 'q.dbc')
  t.equal(message(alone, 'A').signals[0]?.multiplexedBy, undefined)
  t.match(alone.warnings, [{ kind: 'bare-multiplexer', message: /nothing selects it; decoded in every frame/ }])
})

t.test('a statement without its closing ; before the next one (toyota_radar_dsu_tssp) ends there', async (t) => {
  const text = 'CM_ "Front target"\nBO_ 1664 CLUSTER_F: 8 RADAR\n SG_ ID : 0|6@1+ (1,0) [0|63] "" XXX\nVAL_ 1664 ID 1 "one"\nBA_DEF_ "X" INT 0 1\n'
  const db = parseDbc(text, 'q.dbc')
  t.equal(db.comment, 'Front target')
  t.same(message(db, 'CLUSTER_F').signals[0]?.choices, new Map([[1, 'one']]))
  t.equal(db.attributeDefinitions[0]?.name, 'X')
  t.same(db.warnings.map((w) => `${w.kind} ${w.line}:${w.column}`), ['missing-semicolon 2:1', 'missing-semicolon 5:1', 'missing-semicolon 6:1'])
  t.match(db.warnings[0]?.message, /no ';' after comment; the statement is taken to end before BO_/)
  t.match(strictError(text), { line: 2, column: 1, expected: "';' after comment", found: "'BO_'" })
})

t.test('a statement that does not read is left out with a warning; the rest of the file is kept', async (t) => {
  const text = 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|255] "" X\n' +
    'CM_ SG_ 1 S "say "hi" now";\n' + // an unescaped quote
    'BA_DEF_ BO_ "Odd" BOOL;\n' + // a value type nobody defines
    'BA_ "GenMsgCycleTime" BO_ 1 10;;\n' + // closed twice
    'VAL_ 1 S 0 "zero" 1 "one" ;\n'
  const db = parseDbc(text, 'q.dbc')
  t.same(message(db, 'A').signals[0]?.choices, new Map([[0, 'zero'], [1, 'one']]), 'what follows is read')
  t.same(db.warnings.map((w) => `${w.kind} ${w.line}:${w.column}`), ['statement-skipped 3:1', 'statement-skipped 4:1', 'statement-skipped 5:32'])
  t.match(db.warnings[0]?.message, /CM_ left out: at 3:19 expected ';' after comment, found 'hi'/)
  t.throws(() => parseDbc(text, 'q.dbc', { strict: true }), DbcParseError)
})

t.test('a BO_ line or SG_ line that does not read is left out, or refused by a strict parse: a layout is never guessed', async (t) => {
  const cases: Array<[string, string]> = [
    ['BO_ 1 A: 8 X\n SG_ S : 0|8@2+ (1,0) [0|255] "" X\n', 'signal-skipped'],
    ['BO_ 1 A 8 X\n', 'message-skipped'],
    ['BO_ 1 A: 8 X\n SG_ S : 0|0@1+ (1,0) [0|255] "" X\n', 'signal-skipped']
  ]
  for (const [text, kind] of cases) {
    t.throws(() => parseDbc(text, 'q.dbc', { strict: true }), DbcParseError, JSON.stringify(text))
    const db = parseDbc(text, 'q.dbc')
    t.same(db.warnings.map((w) => w.kind), [kind], JSON.stringify(text))
    t.same(db.messages.flatMap((m) => m.signals), [], 'no signal read from it')
  }
})

t.test('a message no frame carries (the J1939 DBC\'s 200-byte ILI) is left out with its SG_ lines; the rest of the file is read', async (t) => {
  const text = 'BU_: ECU\n' +
    'BO_ 2633832958 ILI: 200 Vector__XXX\n' +
    ' SG_ SpecialIgnitorLoop90Resistance : 1584|16@1+ (0.1,0) [0|6425.5] "ohm" Vector__XXX\n' +
    ' SG_ SpecialIgnitorLoop91Resistance : 1600|16@1+ (0.1,0) [0|6425.5] "ohm" Vector__XXX\n' +
    'BO_ 2364540158 EEC1: 8 ECU\n SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" Vector__XXX\n' +
    'CM_ SG_ 2633832958 SpecialIgnitorLoop90Resistance "loop 90";\n' +
    'BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;\nBA_ "GenMsgCycleTime" BO_ 2633832958 1000;\n' +
    'VAL_ 2633832958 SpecialIgnitorLoop91Resistance 65535 "n/a" ;\n'
  const db = parseDbc(text, 'j1939.dbc')
  t.same(db.messages.map((m) => m.name), ['EEC1'])
  t.same(decodeMessage(message(db, 'EEC1'), Uint8Array.of(0, 0, 0, 0x40, 0x1f, 0, 0, 0)), { EngineSpeed: 1000 })
  t.same(db.warnings.map(formatDbcWarning), [
    "j1939.dbc:2:1: message ILI (BO_ 2633832958) left out with its 2 signals: at 2:21 expected a message length in bytes (0..64), found '200'"
  ], 'one warning naming the message, its line and why; its SG_ lines and what refers to it say nothing more')
  t.match(strictError(text), { line: 2, column: 21, expected: 'a message length in bytes (0..64)', found: "'200'" })
})

t.test('an SG_ line past a 64-byte frame or over 64 bits is left out alone; a switch that does not read takes its message along', async (t) => {
  const text = 'BO_ 100 Body: 8 A\n' +
    ' SG_ Far : 1584|16@1+ (1,0) [0|0] "" A\n' +
    ' SG_ Vin : 0|136@1+ (1,0) [0|0] "" A\n' +
    ' SG_ Speed : 0|8@1+ (1,0) [0|255] "km/h" A\n' +
    'BO_ 200 Mux: 8 A\n SG_ Sel M : 0|80@1+ (1,0) [0|0] "" A\n SG_ P m1 : 8|8@1+ (1,0) [0|0] "" A\n' +
    'CM_ SG_ 100 Far "never decoded";\nVAL_ 200 P 1 "one" ;\nCM_ SG_ 100 Ghost "x";\n'
  const db = parseDbc(text, 'q.dbc')
  t.same(db.messages.map((m) => [m.name, m.signals.map((s) => s.name)]), [['Body', ['Speed']]])
  t.same(decodeMessage(message(db, 'Body'), Uint8Array.of(88, 0, 0, 0, 0, 0, 0, 0)), { Speed: 88 })
  t.same(db.warnings.map(formatDbcWarning), [
    "q.dbc:2:2: signal Far of message Body left out: at 2:12 expected the start bit (0..511) of signal Far, found '1584'",
    "q.dbc:3:2: signal Vin of message Body left out: at 3:14 expected the bit length (1..64) of signal Vin, found '136'",
    // without its switch, P would be read from every frame
    "q.dbc:5:1: message Mux (BO_ 200) left out with its 2 signals: at 6:16 expected the bit length (1..64) of signal Sel, found '80'",
    'q.dbc:10:13: reference to undefined signal Ghost of message Body; ignored'
  ], 'statements about what was left out say nothing more; others still do')
  t.match(strictError(text), { line: 2, column: 12, expected: 'the start bit (0..511) of signal Far' })
})

t.test('an id above 0x7FF without bit 31 (gm_global_a_lowspeed, vw_mqbevo) is a 29-bit extended id, decoded from extended frames', async (t) => {
  const text = 'BU_: GMLAN NEO\n' +
    'BO_ 274923520 DriverDoorStatus: 1 GMLAN\n SG_ DriverDoorOpen : 0|1@0+ (1,0) [0|1] "" NEO\n' +
    'BO_ 1075054137 BDB1F01_14: 8 CGW\n SG_ BDBF01ID : 7|8@0+ (1,0) [0|0] "" Vector__XXX\n' +
    'CM_ BO_ 274923520 "driver door";\nVAL_ 274923520 DriverDoorOpen 1 "open" 0 "closed" ;\n'
  const db = parseDbc(text, 'gm.dbc')
  const door = message(db, 'DriverDoorStatus')
  // frameId is what the simulator writes as a CanBlock id: bit 31 for extended
  t.match(door, { frameId: 0x90630000, id: 0x10630000, extended: true, comment: 'driver door' })
  t.same(door.signals[0]?.choices, new Map([[1, 'open'], [0, 'closed']]), 'VAL_ by the id as written finds it')
  t.match(message(db, 'BDB1F01_14'), { frameId: 1075054137, extended: false }, 'above 29 bits no frame carries it: left as it was (toyota_2017_ref_pt)')
  t.same(db.warnings.map(formatDbcWarning), [
    'gm.dbc:2:5: message DriverDoorStatus has id 274923520 (0x10630000), above 0x7FF without bit 31 (the extended flag); read as the 29-bit extended id 0x10630000, as opendbc does'
  ])
  t.match(strictError(text), { line: 2, column: 5, found: 'id 274923520 (0x10630000) without bit 31' })
  t.same(compileCanNetwork([{ bus: 0, database: db }]).encode(0, 'DriverDoorStatus', { DriverDoorOpen: 1 }), Uint8Array.of(1), 'the encoder finds it')

  // end to end as ingest decodes: a candump log's 29-bit frame, id flagged extended, through the compiled network
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-dbc-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'gm.dbc'), text)
  writeFileSync(join(dir, 'door.log'), '(1.0) can0 10630000#01\n(1.1) can0 630#01\n')
  let csv = ''
  const out = new Writable({ write (chunk: Buffer, _encoding, done) { csv += chunk.toString(); done() } })
  const warned: string[] = []
  const summary = await decodeCandump({ dbc: join(dir, 'gm.dbc'), log: join(dir, 'door.log'), format: 'csv', out, warn: (line) => warned.push(line) })
  t.equal(csv, 't,bus,id,message,signal,value,label\n1,can0,274923520,DriverDoorStatus,DriverDoorOpen,1,open\n')
  t.match(summary, { frames: 2, signals: 1, unknownFrames: 1 }, 'an 11-bit frame of the low bits is another frame')
  t.match(warned, [/gm\.dbc:2:5: message DriverDoorStatus has id 274923520/])
})

t.test('a message name two BO_ use is warned about, naming both ids; lookups by name take the first', async (t) => {
  const text = 'BO_ 100 Same: 8 A\n SG_ S : 0|8@1+ (1,0) [0|255] "" A\nBO_ 200 Same: 8 A\n SG_ S : 8|8@1+ (1,0) [0|255] "" A\n'
  const db = parseDbc(text, 'q.dbc')
  t.same(db.messages.map((m) => m.frameId), [100, 200], 'both are decoded, each from its own id')
  t.same(db.warnings.map(formatDbcWarning), [
    "q.dbc:3:9: message name Same is used by BO_ 100 and BO_ 200; lookups by name (a manifest's from:, encoding) take the first, BO_ 100"
  ])
  t.match(strictError(text), { line: 3, column: 9, expected: 'a message name not used before', found: 'Same again, in BO_ 200 (first in BO_ 100)' })
  const network = compileCanNetwork([{ bus: 0, database: db }])
  t.equal(network.message(0, 'Same'), db.messages[0], 'the encoder takes the first, as a manifest\'s from: does')
  t.same(network.encode(0, 'Same', { S: 7 }), Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0))
  const replaced = parseDbc('BO_ 1 A: 8 X\nBO_ 2 A: 8 X\nBO_ 1 B: 8 X\nBO_ 3 A: 8 X\n', 'q.dbc')
  t.same(replaced.warnings.map((w) => `${w.kind} ${w.line}`), ['duplicate-message-name 2', 'duplicate-message 3', 'duplicate-message-name 4'],
    'a replaced BO_ hands its name on to the next of that name')
  t.match(replaced.warnings[2]?.message, /used by BO_ 2 and BO_ 3/)
})

t.test('a BO_ without a sender gets Vector__XXX; a repeated BO_ id or SG_ name: the later one is used', async (t) => {
  const text = 'BO_ 1 A: 8\n SG_ S : 0|8@1+ (1,0) [0|255] "" X\n SG_ S : 8|8@1+ (1,0) [0|255] "" X\nBO_ 2 B: 8 X\nBO_ 1 C: 2 X\n SG_ T : 0|4@1+ (1,0) [0|15] "" X\n'
  const db = parseDbc(text, 'q.dbc')
  t.same(db.messages.map((m) => [m.frameId, m.name]), [[2, 'B'], [1, 'C']])
  t.same(db.warnings.map((w) => w.kind), ['missing-sender', 'duplicate-signal', 'duplicate-message'])
  const dup = parseDbc('BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|255] "" X\n SG_ S : 8|8@1+ (1,0) [0|255] "" X\n', 'q.dbc')
  t.same(dup.messages[0]?.signals.map((s) => s.startBit), [8], 'the later S')
})

t.test('classic Mac line ends (CR alone) end lines', async (t) => {
  const db = parseDbc('BO_ 1 A: 8 X\r SG_ S : 0|8@1+ (1,0) [0|255] "" X Y\r SG_ T : 8|8@1+ (1,0) [0|255] "" Y\rCM_ SG_ 1 T "two\rlines";\r', 'mac.dbc')
  t.same(db.messages[0]?.signals.map((s) => [s.name, s.receivers]), [['S', ['X', 'Y']], ['T', ['Y']]])
  t.same(db.warnings, [])
  t.equal(db.messages[0]?.signals[1]?.comment, 'two\rlines')
})

t.test('signals of one message that share bits are flagged unless multiplexing keeps them apart', async (t) => {
  const text = 'BO_ 1 A: 8 X\n SG_ Sel M : 0|2@1+ (1,0) [0|3] "" X\n SG_ P m0 : 8|8@1+ (1,0) [0|255] "" X\n SG_ Q m1 : 8|8@1+ (1,0) [0|255] "" X\n' +
    ' SG_ Whole : 8|16@1+ (1,0) [0|65535] "" X\n SG_ Crc : 56|8@1+ (1,0) [0|255] "" X\n SG_ CrcCopy : 63|8@0+ (1,0) [0|255] "" X\n'
  const db = parseDbc(text, 'q.dbc')
  t.same(db.warnings.map((w) => `${w.line}:${w.column} ${w.message}`), [
    '5:6 signals P and Whole both use bit 8 of message A; each is decoded from its own bits',
    '5:6 signals Q and Whole both use bit 8 of message A; each is decoded from its own bits',
    '7:6 signals Crc and CrcCopy both use bit 56 of message A; each is decoded from its own bits'
  ], 'P and Q (m0, m1) never meet; Whole meets both')
  t.ok(db.warnings.every((w) => w.kind === 'overlapping-signals'))
  t.match(strictError(text), { expected: 'signals of message A that do not share bits', found: 'P and Whole both use bit 8' })
})
