import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseDbc, parseDbcBytes, parseDbcFile } from '../../../decoders/can/dbc-parse.js'
import type { CanMessage, CanSignal } from '../../../decoders/can/model.js'

// String.raw keeps the DBC escapes (\" and \\) as a file would have them.
const EDGES = String.raw`VERSION ""

BU_: GW TBOX

BO_ 2684354559 FD_Status: 64 GW
 SG_ Temp : 0|12@1- (1.5E-2,-4.0e+1) [-1e2|1.5E+2] "" TBOX
 SG_ Dbl : 64|64@1- (1,0) [-1.7976931348623157E+308|1.7976931348623157E+308] "" TBOX
 SG_ Neg : 128|8@1- (-0.5,-.25) [-63.75|64] "m" TBOX
 SG_ Quoted : 136|8@0+ (1,0) [0|255] "\"q\" \\" TBOX
 SG_ Tail : 511|8@0+ (1,0) [0|255] "%" TBOX,GW

BO_ 1024 Mux: 8 GW
 SG_ Sel M : 0|8@1+ (1,0) [0|255] "" TBOX
 SG_ Sub m1M : 8|8@1+ (1,0) [0|255] "" TBOX
 SG_ A m1 : 16|8@1+ (1,0) [0|255] "" TBOX
 SG_ B m2 : 16|8@1+ (1,0) [0|255] "" TBOX
 SG_ C m3 : 24|8@1+ (1,0) [0|255] "" TBOX
 SG_ D m4M : 32|8@1+ (1,0) [0|255] "" TBOX
 SG_ E m0 : 40|8@1+ (1,0) [0|255] "" TBOX

BO_ 1025 SmallFd: 8 GW
 SG_ Motorola : 7|16@0- (1,0) [0|0] "" TBOX

EV_ EnvVar: 0 [0|100] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;

CM_ "Network; with a semicolon";
CM_ BU_ GW "Gateway";
CM_ BO_ 1024 "Mux message";
CM_ SG_ 1024 Sub "Second line
of a \"nested\" switch, path C:\\dbc";
CM_ EV_ EnvVar "Environment variable comment";
BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","StandardCAN_FD","ExtendedCAN_FD";
BA_DEF_ SG_ "GenSigStartValue" INT -2147483648 2147483647;
BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
BA_DEF_REL_ BU_SG_REL_ "SigTimeout" INT 0 1000;
BA_DEF_REL_ BU_BO_REL_ "MsgNote" STRING ;
BA_DEF_DEF_ "VFrameFormat" "StandardCAN";
BA_DEF_DEF_ "GenSigStartValue" 0;
BA_DEF_DEF_ "GenMsgCycleTime" 0;
BA_DEF_DEF_REL_ "SigTimeout" 0;
BA_ "VFrameFormat" BO_ 2684354559 15;
BA_ "VFrameFormat" BO_ 1025 14;
BA_ "GenMsgCycleTime" BO_ 1024 1E2;
BA_ "GenSigStartValue" SG_ 2684354559 Temp -100;
BA_ "GenSigStartValue" SG_ 1024 Sel 3.5e1;
BA_REL_ "SigTimeout" BU_SG_REL_ GW SG_ 1024 Sel 100;
BA_REL_ "MsgNote" BU_BO_REL_ GW 1024 "a; b";
VAL_ EnvVar 0 "off" 1 "on";
VAL_ 2684354559 Neg -1 "minus one" 0 "zero" 127 "max" ;
SIG_VALTYPE_ 2684354559 Dbl : 2;
SG_MUL_VAL_ 1024 Sub Sel 1-1;
SG_MUL_VAL_ 1024 C Sub 3-3, 7-9;
SG_MUL_VAL_ 1024 D Sub 4-4;
SG_MUL_VAL_ 1024 E D 0-0;
`

function parts (db: ReturnType<typeof parseDbc>): { fd: CanMessage, mux: CanMessage, small: CanMessage, signal: (m: CanMessage, name: string) => CanSignal } {
  const [fd, mux, small] = db.messages
  if (fd === undefined || mux === undefined || small === undefined) throw new Error('messages missing')
  const signal = (m: CanMessage, name: string): CanSignal => {
    const found = m.signals.find((s) => s.name === name)
    if (found === undefined) throw new Error(`no signal ${name} in ${m.name}`)
    return found
  }
  return { fd, mux, small, signal }
}

t.test('reads 29-bit ids, 64-byte payloads, scientific and negative numbers, empty units and escaped quotes', async (t) => {
  const db = parseDbc(EDGES, 'edges.dbc')
  const { fd, signal } = parts(db)
  t.match(fd, { frameId: 0x9fffffff, id: 0x1fffffff, extended: true, length: 64, sender: 'GW' })
  t.match(signal(fd, 'Temp'), { byteOrder: 'little_endian', signed: true, factor: 0.015, offset: -40, minimum: -100, maximum: 150, unit: '' })
  t.match(signal(fd, 'Dbl'), { length: 64, valueType: 'float64', minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE })
  t.match(signal(fd, 'Neg'), { factor: -0.5, offset: -0.25, minimum: -63.75, choices: new Map([[-1, 'minus one'], [0, 'zero'], [127, 'max']]) })
  t.equal(signal(fd, 'Quoted').unit, '"q" \\')
  t.match(signal(fd, 'Tail'), { startBit: 511, byteOrder: 'big_endian', signed: false, unit: '%', receivers: ['TBOX', 'GW'] })
  t.same(db.warnings, [], 'a Motorola signal ending in the last bit of byte 63 fits')
})

t.test('nests switches with mNM and SG_MUL_VAL_, plain mN falling back to the M switch', async (t) => {
  const { mux, signal } = parts(parseDbc(EDGES, 'edges.dbc'))
  t.match(signal(mux, 'Sel'), { isMultiplexer: true, multiplexedBy: undefined })
  t.same(signal(mux, 'Sub').multiplexedBy, { switchName: 'Sel', ranges: [[1, 1]] })
  t.equal(signal(mux, 'Sub').isMultiplexer, true)
  t.same(signal(mux, 'A').multiplexedBy, { switchName: 'Sel', ranges: [[1, 1]] })
  t.same(signal(mux, 'B').multiplexedBy, { switchName: 'Sel', ranges: [[2, 2]] })
  t.same(signal(mux, 'C').multiplexedBy, { switchName: 'Sub', ranges: [[3, 3], [7, 9]] })
  t.match(signal(mux, 'D'), { isMultiplexer: true, multiplexedBy: { switchName: 'Sub', ranges: [[4, 4]] } })
  t.same(signal(mux, 'E').multiplexedBy, { switchName: 'D', ranges: [[0, 0]] })
})

t.test('comments on every object type, attributes lifted into the model, relation attributes tolerated', async (t) => {
  const db = parseDbc(EDGES, 'edges.dbc')
  const { fd, mux, small, signal } = parts(db)
  t.equal(db.comment, 'Network; with a semicolon')
  t.equal(db.nodes.find((n) => n.name === 'GW')?.comment, 'Gateway')
  t.equal(mux.comment, 'Mux message')
  t.equal(signal(mux, 'Sub').comment, 'Second line\nof a "nested" switch, path C:\\dbc')

  t.equal(fd.canFd, true, 'VFrameFormat 15 is ExtendedCAN_FD')
  t.equal(small.canFd, true, 'VFrameFormat 14 is StandardCAN_FD, even with 8 bytes')
  t.equal(mux.canFd, false, 'the default StandardCAN')
  t.equal(mux.cycleTimeMs, 100)
  t.equal(fd.cycleTimeMs, undefined, 'a default cycle time of 0 means none')
  t.equal(signal(fd, 'Temp').rawStartValue, -100)
  t.equal(signal(mux, 'Sel').rawStartValue, 35)
  t.equal(signal(mux, 'A').rawStartValue, 0, 'the BA_DEF_DEF_ default')
  t.same(db.attributeDefinitions.map((d) => d.name), ['VFrameFormat', 'GenSigStartValue', 'GenMsgCycleTime'])
  t.same(mux.attributes, { GenMsgCycleTime: 100 }, 'BA_REL_ values land nowhere')
  t.same(db.warnings, [])
})

t.test('a signal start value is absent when GenSigStartValue is not defined', async (t) => {
  const db = parseDbc('BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\n')
  t.equal(db.messages[0]?.signals[0]?.rawStartValue, undefined)
  t.equal(db.messages[0]?.canFd, false)
})

t.test('CRLF line endings and a byte-order mark give the same database', async (t) => {
  const lf = parseDbc(EDGES, 'edges.dbc')
  t.same(parseDbc(EDGES.replace(/\n/g, '\r\n'), 'edges.dbc'), lf, 'CRLF, including inside a multi-line comment')
  t.same(parseDbc('\uFEFF' + EDGES, 'edges.dbc'), lf, 'BOM')
  t.throws(() => parseDbc('\uFEFFBO_ x A: 8 X\r\nBO_ 2 B 8 X\r\n', 'bom.dbc', { strict: true }),
    { message: 'bom.dbc:1:5: expected a message id (unsigned 32-bit integer), found \'x\'' }, 'columns on line 1 count from after the BOM')
  t.throws(() => parseDbc('BO_ 1 A: 8 X\r\nBO_ 2 B 8 X\r\n', 'crlf.dbc', { strict: true }),
    { message: 'crlf.dbc:2:9: expected \':\' after message name B, found \'8\'' }, 'CR is not counted as a column of the next line')
})

const CP1252_COMMENT = 'CM_ BO_ 1 "Temp \x80 \xe4\xf6\xfc \x93q\x94 \xdf";'
const DECODED_COMMENT = 'Temp € äöü “q” ß'

t.test('bytes are UTF-8 when valid, else Windows-1252', async (t) => {
  const text = `BO_ 1 A: 8 X\n${CP1252_COMMENT}\n`
  const cp1252 = Buffer.from(text, 'latin1') // one byte per char: the cp1252 bytes as written
  t.equal(parseDbcBytes(cp1252, 'cp1252.dbc').messages[0]?.comment, DECODED_COMMENT)

  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`BO_ 1 A: 8 X\nCM_ BO_ 1 "${DECODED_COMMENT}";\n`, 'utf8')])
  t.equal(parseDbcBytes(utf8, 'utf8.dbc').messages[0]?.comment, DECODED_COMMENT, 'UTF-8 with a BOM')

  // A cp1252 umlaut in a name: read as the letter it is, with a warning; strict refuses it where it stands.
  const umlaut = Buffer.from('BO_ 1 A: 8 X\n SG_ \xe4 : 0|8@1+ (1,0) [0|0] "" X\n', 'latin1')
  const lenient = parseDbcBytes(umlaut, 'bad.dbc')
  t.equal(lenient.messages[0]?.signals[0]?.name, 'ä')
  t.match(lenient.warnings, [{ kind: 'non-ascii-name', line: 2, column: 6 }])
  t.throws(() => parseDbcBytes(umlaut, 'bad.dbc', { strict: true }),
    { message: 'bad.dbc:2:6: expected a signal name after SG_ (ASCII letters, digits and \'_\'), found \'ä\'' }, 'strict: a non-ASCII name is an error with its position')
  t.throws(() => parseDbcBytes(Buffer.from('BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X \xa7\n', 'latin1'), 'bad.dbc', { strict: true }),
    { message: 'bad.dbc:2:34: expected a receiving node of signal S, found \'§\' (U+00A7)' }, 'a character no name has is an error with its position')
})

t.test('a UTF-8 byte-order mark is dropped from a file read as cp1252 too', async (t) => {
  // CANdb++ output edited in a UTF-8 editor: a BOM, then a cp1252 umlaut that is not valid UTF-8
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  const db = parseDbcBytes(Buffer.concat([bom, Buffer.from(`VERSION "1.0"\r\nBO_ 1 A: 8 X\r\n${CP1252_COMMENT}\r\n`, 'latin1')]), 'bom.dbc', { strict: true })
  t.equal(db.version, '1.0', 'VERSION on line 1 is read')
  t.equal(db.messages[0]?.comment, DECODED_COMMENT, 'the rest as cp1252')
  const first = parseDbcBytes(Buffer.concat([bom, Buffer.from(`BO_ 1 A: 8 X\r\n${CP1252_COMMENT}\r\n`, 'latin1')]), 'bom.dbc', { strict: true })
  t.same(first.messages.map((m) => m.name), ['A'], 'a BO_ on line 1 is read')
})

t.test('NS_ ends at the first word followed by \':\', however its entries and BS_ are indented', async (t) => {
  const entries = ['NS_DESC_', 'CM_', 'BA_DEF_', 'BA_', 'VAL_', 'CAT_DEF_', 'CAT_', 'FILTER', 'BA_DEF_DEF_', 'EV_DATA_', 'ENVVAR_DATA_', 'SGTYPE_',
    'SGTYPE_VAL_', 'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'SIG_TYPE_REF_', 'VAL_TABLE_', 'SIG_GROUP_', 'SIG_VALTYPE_', 'SIGTYPE_VALTYPE_', 'BO_TX_BU_',
    'BA_DEF_REL_', 'BA_REL_', 'BA_DEF_DEF_REL_', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_', 'SG_MUL_VAL_']
  const list = (indent: string): string => entries.map((e) => `${indent}${e}\n`).join('')
  const body = 'BU_: A B\n\nBO_ 100 M1: 8 A\n SG_ S1 : 0|8@1+ (1,0) [0|255] "" B\n'
  const reference = parseDbc(`VERSION "1"\n\nNS_ :\n${list('\t')}\nBS_:\n\n${body}`, 'ns.dbc', { strict: true })
  const cases: Array<[string, string]> = [
    ['entries in column 1, as some generators write them', `VERSION "1"\n\nNS_ :\n${list('')}\nBS_:\n\n${body}`],
    ['BS_: indented', `VERSION "1"\n\nNS_ :\n${list('    ')}\n  BS_:\n\n${body}`],
    ['an empty list, BS_: indented by a tab', `VERSION "1"\nNS_ :\n\tBS_:\n${body}`],
    ['entries on the NS_ line', `VERSION "1"\nNS_ : NS_DESC_ CM_ BA_DEF_\nBS_:\n${body}`],
    ['no BS_: BU_: ends the list', `VERSION "1"\nNS_ :\nCM_\nBA_\n${body}`]
  ]
  for (const [what, text] of cases) {
    const db = parseDbc(text, 'ns.dbc', { strict: true })
    t.same([db.nodes, db.messages, db.valueTables, db.attributeDefinitions, db.warnings], [reference.nodes, reference.messages, new Map(), [], []], what)
  }
  const noHeader = parseDbc('NS_ :\nCM_\nBA_\nBO_ 100 M1: 8 A\n SG_ S1 : 0|8@1+ (1,0) [0|255] "" B\nCM_ BO_ 100 "x";\n', 'ns.dbc', { strict: true })
  t.same(noHeader.messages.map((m) => [m.name, m.comment]), [['M1', 'x']], 'without BS_ or BU_, a line holding more than words ends the list')
})

t.test('parseDbcFile reads a cp1252 file and names its path in errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-dbc-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const good = join(dir, 'good.dbc')
  writeFileSync(good, Buffer.from(`BO_ 1 A: 8 X\r\n${CP1252_COMMENT}\r\n`, 'latin1'))
  const db = parseDbcFile(good)
  t.equal(db.fileName, good)
  t.equal(db.messages[0]?.comment, DECODED_COMMENT)
  const bad = join(dir, 'bad.dbc')
  writeFileSync(bad, 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] X\n')
  t.throws(() => parseDbcFile(bad, { strict: true }), { message: `${bad}:2:29: expected the quoted unit of signal S, found 'X'` })
})
