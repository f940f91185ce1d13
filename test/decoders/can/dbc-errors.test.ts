import t from 'tap'
import { DbcParseError, parseDbc } from '../../../decoders/can/dbc-parse.js'
import { formatDbcWarning } from '../../../decoders/can/dbc-warnings.js'

const ENGINE = 'BO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@1+ (0.25,0) [0|16383] "rpm" TBOX\n'

/** [what is wrong, file text, line, column, expected, found]; columns counted by hand on the line shown. */
const CASES: Array<[string, string, number, number, string, string]> = [
  ['a byte order other than 0/1', 'VERSION ""\nBO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@2+ (0.25,0) [0|16383] "rpm" TBOX',
    3, 17, 'byte order 1 (Intel) or 0 (Motorola) for signal Rpm', "'2'"],
  ['a missing comma between factor and offset', 'BO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@1+ (0.25 0) [0|1] "" X\n',
    2, 26, "',' between factor and offset of signal Rpm", "'0'"],
  ['an unquoted unit', 'BO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@1+ (1,0) [0|1] rpm X\n',
    2, 32, 'the quoted unit of signal Rpm', "'rpm'"],
  ['a sign other than + or -', 'BO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@1* (1,0) [0|1] "" X\n',
    2, 18, "'+' (unsigned) or '-' (signed) for signal Rpm", "'*' (U+002A)"],
  ['a payload over 64 bytes', 'BO_ 100 Big: 65 ECM\n', 1, 14, 'a message length in bytes (0..64)', "'65'"],
  ['a start bit beyond 64 bytes', 'BO_ 1 A: 64 X\n SG_ S : 512|8@1+ (1,0) [0|0] "" X\n', 2, 10, 'the start bit (0..511) of signal S', "'512'"],
  ['a signal of 65 bits', 'BO_ 1 A: 64 X\n SG_ S : 0|65@1+ (1,0) [0|0] "" X\n', 2, 12, 'the bit length (1..64) of signal S', "'65'"],
  ['an id beyond 32 bits', 'BO_ 4294967296 A: 8 X\n', 1, 5, 'a message id (unsigned 32-bit integer)', "'4294967296'"],
  ['a multiplexer marker that is none', 'BO_ 1 A: 8 X\n SG_ S x1 : 0|8@1+ (1,0) [0|0] "" X\n',
    2, 8, "':' or a multiplexer marker (M, mN, mNM) after signal S", "'x1'"],
  ['a missing colon after the message name', 'BO_ 100 Engine 8 ECM\n', 1, 16, "':' after message name Engine", "'8'"],
  ['a string left open', 'BO_ 100 Engine: 8 ECM\n SG_ Rpm : 0|16@1+ (0.25,0) [0|1] "rpm\n', 2, 35, 'a closing \'"\'', 'end of file'],
  ['a control character', 'BU_: A \u0001B\n', 1, 8, 'a DBC token', 'character U+0001'],
  ['a comment without its semicolon at the end of the file', 'CM_ "net"', 1, 10, "';' after comment", 'end of file'],
  ['a comment on nothing', 'CM_ 12 "x";\n', 1, 5, 'a quoted comment or BU_, BO_, SG_, EV_ after CM_', "'12'"],
  ['an unknown attribute type', 'BA_DEF_ BO_ "X" BOOL;\n', 1, 17, 'the value type (INT, HEX, FLOAT, STRING, ENUM) of attribute X', "'BOOL'"],
  ['an unknown attribute object', 'BA_DEF_ XX_ "X" INT 0 1;\n', 1, 9, 'BU_, BO_, SG_, EV_ or a quoted attribute name after BA_DEF_', "'XX_'"],
  ['a value description without text', ENGINE + 'VAL_ 100 Rpm 0 "a" 1 ;\n', 3, 22, 'a quoted description of value 1', "';'"],
  ['a number where a statement should start', ENGINE + '42\n', 3, 1, 'a DBC keyword', "'42'"],
  ['an SG_ before any BO_', ' SG_ S : 0|8@1+ (1,0) [0|0] "" X\n', 1, 2, 'BO_ before this SG_', "'SG_'"],
  ['a duplicate message id', 'BO_ 1 A: 8 X\nBO_ 1 B: 8 X\n', 2, 5, 'a message id not defined before', 'duplicate id 1 in BO_ B'],
  ['a duplicate signal name', 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\n SG_ S : 8|8@1+ (1,0) [0|0] "" X\n',
    3, 6, 'a signal name not used before in message A', 'duplicate signal S'],
  ['an mN signal without an M switch', 'BO_ 1 A: 8 X\n SG_ S m1 : 0|8@1+ (1,0) [0|0] "" X\n', 2, 8, 'a multiplexer switch (M) in message A', 'multiplexed signal S without one'],
  ['a float of the wrong size', 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nSIG_VALTYPE_ 1 S : 1;\n',
    3, 20, 'a signal of 32 bits for value type 1', 'signal S of 8 bits'],
  ['an SG_MUL_VAL_ switch that is not a multiplexer', ENGINE + 'SG_MUL_VAL_ 100 Rpm Nothing 1-1;\n',
    3, 21, 'a multiplexer switch (M or mNM) of message Engine', "'Nothing'"],
  ['an SG_MUL_VAL_ range running backwards', ENGINE + 'SG_MUL_VAL_ 100 Rpm Rpm 5-3;\n',
    3, 25, 'a multiplexer range whose low end is not above its high end', '5-3'],
  ['an SG_MUL_VAL_ range without a dash', ENGINE + 'SG_MUL_VAL_ 100 Rpm Rpm 5 3;\n', 3, 27, "'-' in a multiplexer range", "'3'"],
  ['multiplexer switches that select each other',
    'BO_ 1 A: 8 X\n SG_ P m1M : 0|8@1+ (1,0) [0|0] "" X\n SG_ Q m2M : 8|8@1+ (1,0) [0|0] "" X\nSG_MUL_VAL_ 1 P Q 2-2;\nSG_MUL_VAL_ 1 Q P 1-1;\n',
    4, 1, 'chains of multiplexer switches without loops in message A', 'the loop P -> Q -> P'],
  ['a switch that selects itself',
    'BO_ 1 A: 8 X\n SG_ P m1M : 0|8@1+ (1,0) [0|0] "" X\nSG_MUL_VAL_ 1 P P 1-1;\n',
    3, 1, 'chains of multiplexer switches without loops in message A', 'the loop P -> P'],
  ['a 29-bit id without the extended flag', 'BO_ 274923520 DriverDoorStatus: 1 GMLAN\n', 1, 5,
    'an 11-bit id (0..2047), or 2147483648 (bit 31) plus a 29-bit id, for message DriverDoorStatus', 'id 274923520 (0x10630000) without bit 31'],
  ['a message name used twice', 'BO_ 1 A: 8 X\nBO_ 2 A: 8 X\n', 2, 7, 'a message name not used before', 'A again, in BO_ 2 (first in BO_ 1)']
]

/**
 * What a lenient parse (the default) makes of the cases above that real files
 * show: the warning's kind, where, and what it says was assumed. The rest are
 * errors in both modes.
 */
const LENIENT: Record<string, [kind: string, line: number, column: number, message: RegExp]> = {
  'a byte order other than 0/1': ['signal-skipped', 3, 2, /signal Rpm of message Engine left out: at 3:17 expected byte order 1 \(Intel\) or 0 \(Motorola\) for signal Rpm, found '2'/],
  'a missing comma between factor and offset': ['signal-skipped', 2, 2, /signal Rpm of message Engine left out: at 2:26 expected ',' between factor and offset/],
  'an unquoted unit': ['signal-skipped', 2, 2, /signal Rpm of message Engine left out: at 2:32 expected the quoted unit of signal Rpm, found 'rpm'/],
  'a sign other than + or -': ['signal-skipped', 2, 2, /signal Rpm of message Engine left out: at 2:18/],
  'a payload over 64 bytes': ['message-skipped', 1, 1, /message Big \(BO_ 100\) left out with its 0 signals: at 1:14 expected a message length in bytes \(0..64\), found '65'/],
  'a start bit beyond 64 bytes': ['signal-skipped', 2, 2, /signal S of message A left out: at 2:10 expected the start bit \(0..511\) of signal S, found '512'/],
  'a signal of 65 bits': ['signal-skipped', 2, 2, /signal S of message A left out: at 2:12 expected the bit length \(1..64\) of signal S, found '65'/],
  'an id beyond 32 bits': ['message-skipped', 1, 1, /message A \(BO_ 4294967296\) left out with its 0 signals: at 1:5 expected a message id/],
  // x1 might be a switch: without it the signals it selects would be read from every frame
  'a multiplexer marker that is none': ['message-skipped', 1, 1, /message A \(BO_ 1\) left out with its 1 signal: at 2:8 expected ':' or a multiplexer marker/],
  'a missing colon after the message name': ['message-skipped', 1, 1, /message Engine \(BO_ 100\) left out with its 0 signals: at 1:16 expected ':' after message name Engine/],
  'a 29-bit id without the extended flag': ['extended-id-without-flag', 1, 5, /message DriverDoorStatus has id 274923520 \(0x10630000\), above 0x7FF without bit 31 \(the extended flag\); read as the 29-bit extended id 0x10630000/],
  'a message name used twice': ['duplicate-message-name', 2, 7, /message name A is used by BO_ 1 and BO_ 2; lookups by name \(a manifest's from:, encoding\) take the first, BO_ 1/],
  'a comment without its semicolon at the end of the file': ['missing-semicolon', 1, 10, /no ';' after comment; the statement is taken to end before the end of the file/],
  'a comment on nothing': ['statement-skipped', 1, 1, /CM_ left out: at 1:5 expected a quoted comment/],
  'an unknown attribute type': ['statement-skipped', 1, 1, /BA_DEF_ left out: at 1:17 expected the value type/],
  'an unknown attribute object': ['statement-skipped', 1, 1, /BA_DEF_ left out/],
  'a value description without text': ['statement-skipped', 3, 1, /VAL_ left out: at 3:22 expected a quoted description of value 1/],
  'a duplicate message id': ['duplicate-message', 2, 5, /message id 1 \(B\) is defined again, after A; the later definition is used/],
  'a duplicate signal name': ['duplicate-signal', 3, 6, /signal S is defined twice in message A; the later definition is used/],
  'an mN signal without an M switch': ['multiplexed-without-switch', 2, 8, /marked m1 but message A has no switch \(M\); decoded in every frame/],
  'a float of the wrong size': ['value-type-length', 3, 20, /value type 1 needs 32 bits but signal S has 8; decoded as an integer/],
  'an SG_MUL_VAL_ switch that is not a multiplexer': ['undefined-reference', 3, 21, /names Nothing, which message Engine does not have; ignored/],
  'an SG_MUL_VAL_ range running backwards': ['statement-skipped', 3, 1, /SG_MUL_VAL_ left out: at 3:25/],
  'an SG_MUL_VAL_ range without a dash': ['statement-skipped', 3, 1, /SG_MUL_VAL_ left out/]
}

for (const [what, text, line, column, expected, found] of CASES) {
  t.test(`strict: names file, line, column and expectation for ${what}`, async (t) => {
    const error = t.throws(() => parseDbc(text, 'bad.dbc', { strict: true }))
    t.type(error, DbcParseError)
    t.match(error, { fileName: 'bad.dbc', line, column, expected, found })
    t.equal((error as Error).message, `bad.dbc:${line}:${column}: expected ${expected}, found ${found}`)
  })
  const lenient = LENIENT[what]
  if (lenient === undefined) {
    t.test(`lenient too: ${what} is an error`, async (t) => {
      const error = t.throws(() => parseDbc(text, 'bad.dbc'))
      t.match(error, { line, column, expected, found })
    })
  } else {
    const [kind, wLine, wColumn, message] = lenient
    t.test(`lenient: ${what} is read with a ${kind} warning saying what was assumed`, async (t) => {
      const db = parseDbc(text, 'bad.dbc')
      t.match(db.warnings, [{ kind, fileName: 'bad.dbc', line: wLine, column: wColumn, message }])
      t.equal(db.warnings.length, 1)
    })
  }
}

t.test('leftovers that point at nothing are warnings with their position, not errors', async (t) => {
  const db = parseDbc(ENGINE + 'CM_ BU_ Ghost "x";\nBA_ "A" SG_ 100 Ghost 1;\nVAL_ 7 S 0 "a";\nBU_: N N\n', 'left.dbc')
  t.same(db.warnings.map(formatDbcWarning), [
    'left.dbc:3:9: reference to undefined node Ghost; ignored',
    'left.dbc:4:17: reference to undefined signal Ghost of message Engine; ignored',
    'left.dbc:5:6: reference to undefined message 7; ignored',
    'left.dbc:6:8: node N listed twice in BU_; read once'
  ])
  t.same(db.warnings.map((w) => w.kind), ['undefined-reference', 'undefined-reference', 'undefined-reference', 'duplicate-node'])
})

t.test('a signal that overflows its message is a warning; VECTOR__INDEPENDENT_SIG_MSG (length 0, never on a bus) is not checked', async (t) => {
  const db = parseDbc('BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX\n SG_ Orphan : 0|8@1+ (1,0) [0|0] "" X\n' +
    'BO_ 2 B: 2 X\n SG_ M : 7|16@0+ (1,0) [0|0] "" X\n SG_ Over : 15|16@0+ (1,0) [0|0] "" X\n', 'fit.dbc')
  t.same(db.warnings.map(formatDbcWarning), [
    'fit.dbc:5:13: signal Over (start bit 15, 16 bits, big_endian) does not fit in the 2 bytes of message B; decoded only from frames long enough',
    'fit.dbc:5:6: signals M and Over both use bit 8 of message B; each is decoded from its own bits'
  ])
  t.equal(db.messages[0]?.id, 0x40000000, 'bits 29..30 are kept')
})
