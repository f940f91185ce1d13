import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { decodeRaw, encodeRaw } from '../../../decoders/can/codec.js'
import { parseDbcFile } from '../../../decoders/can/dbc-parse.js'
import type { CanDatabase, CanMessage, CanSignal } from '../../../decoders/can/model.js'

// Real-world DBC files from opendbc (MIT), kept beside the repository.
const dir = fileURLToPath(new URL('../../../../shared/fixtures/dbc/', import.meta.url))
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort() : []

/**
 * Counted from the files without our parser, so that a parser bug cannot agree
 * with itself:
 *   messages:    grep -c '^BO_ ' FILE
 *   signals:     grep -c '^ SG_ ' FILE
 *   multiplexed: grep -cE '^ SG_ [A-Za-z0-9_]+ (M|m[0-9]+M?) :' FILE   (switches and the signals they select)
 *   extended:    awk '/^BO_ / && $2 >= 2147483648' FILE | wc -l
 * The facts below are copied from the lines `grep -A3 '^BO_ <id> ' FILE` prints.
 */
const EXPECTED: Record<string, { messages: number, signals: number, multiplexed: number, extended: number, check: (t: Test, db: CanDatabase) => void }> = {
  'hyundai_2015_ccan.dbc': {
    messages: 113,
    signals: 1154,
    multiplexed: 8,
    extended: 0,
    check: (t, db) => {
      // BO_ 688 SAS11: 5 MDPS / SG_ SAS_Angle : 0|16@1- (0.1,0.0) [-3276.8|3276.7] "Deg"  _4WD,ACU,...
      const sas = message(db, 688)
      t.match(sas, { name: 'SAS11', length: 5, sender: 'MDPS', extended: false })
      t.match(signal(sas, 'SAS_Angle'), { startBit: 0, length: 16, byteOrder: 'little_endian', signed: true, factor: 0.1, offset: 0, minimum: -3276.8, maximum: 3276.7, unit: 'Deg' })
      t.equal(signal(sas, 'SAS_Angle').receivers[0], '_4WD')
      // BO_ 640 EMS13: 8 EMS / SG_ LV_GSL_MAP M : 4|1@1+ / SG_ MAP m1 : 56|8@1+ (0.47058,0.0) [0.0|119.9979] "kPa"
      const ems = message(db, 640)
      t.equal(signal(ems, 'LV_GSL_MAP').isMultiplexer, true)
      t.match(signal(ems, 'MAP'), { startBit: 56, length: 8, factor: 0.47058, maximum: 119.9979, unit: 'kPa', multiplexedBy: { switchName: 'LV_GSL_MAP', ranges: [[1, 1]] } })
    }
  },
  'tesla_can.dbc': {
    messages: 44,
    signals: 572,
    multiplexed: 38,
    extended: 0,
    check: (t, db) => {
      // BO_ 1160 DAS_steeringControl: 4 NEO / SG_ DAS_steeringControlType : 23|2@0+ (1,0) [0|0] "" EPAS
      const das = message(db, 1160)
      t.match(das, { name: 'DAS_steeringControl', length: 4, sender: 'NEO' })
      t.match(signal(das, 'DAS_steeringControlType'), { startBit: 23, length: 2, byteOrder: 'big_endian', signed: false, receivers: ['EPAS'] })
      // VAL_ 1160 DAS_steeringControlType 1 "ANGLE_CONTROL" 3 "DISABLED" 0 "NONE" 2 "RESERVED" ;
      t.same(signal(das, 'DAS_steeringControlType').choices, new Map([[1, 'ANGLE_CONTROL'], [3, 'DISABLED'], [0, 'NONE'], [2, 'RESERVED']]))
      // BO_ 264 DI_torque1: 8 DI / SG_ DI_torqueDriver : 0|13@1- (0.25,0) [-750|750] "Nm"  NEO
      t.match(signal(message(db, 264), 'DI_torqueDriver'), { startBit: 0, length: 13, signed: true, factor: 0.25, minimum: -750, maximum: 750, unit: 'Nm' })
    }
  },
  'toyota_2017_ref_pt.dbc': {
    messages: 143,
    signals: 1315,
    multiplexed: 0,
    extended: 0,
    check: (t, db) => {
      // BO_ 1196 ABG1D50: 8 CGW / SG_ DRABG01 : 7|8@0+ (1,0) [0|0] "" Vector__XXX
      const abg = message(db, 1196)
      t.match(abg, { name: 'ABG1D50', length: 8, sender: 'CGW' })
      t.match(signal(abg, 'DRABG01'), { startBit: 7, length: 8, byteOrder: 'big_endian', signed: false, receivers: ['Vector__XXX'] })
    }
  },
  'vw_mqb.dbc': {
    messages: 113,
    signals: 1348,
    multiplexed: 22,
    extended: 12,
    check: (t, db) => {
      // BO_ 2549088277 KN_Airbag_01: 8 Airbag_MQB (0x97F00015: extended id 0x17F00015)
      const airbag = message(db, 2549088277)
      t.match(airbag, { name: 'KN_Airbag_01', id: 0x17f00015, extended: true, length: 8, sender: 'Airbag_MQB' })
      t.match(signal(airbag, 'Airbag_01_Nachlauftyp'), { startBit: 4, length: 4, byteOrder: 'little_endian', receivers: ['Gateway_MQB'] })
      // BO_ 1716 VIN_01: 8 Gateway_MQB / SG_ VIN_01_MUX M : 0|2@1+ / SG_ VIN_11 m2 : 8|8@1+
      t.same(signal(message(db, 1716), 'VIN_11').multiplexedBy, { switchName: 'VIN_01_MUX', ranges: [[2, 2]] })
      // CM_ SG_ 1720 KBI_Tankfuellstand_Prozent "Tankfüllstand in %"; (UTF-8 in the file)
      t.equal(signal(message(db, 1720), 'KBI_Tankfuellstand_Prozent').comment, 'Tankfüllstand in %')
    }
  }
}

function message (db: CanDatabase, frameId: number): CanMessage {
  const found = db.messages.find((m) => m.frameId === frameId)
  if (found === undefined) throw new Error(`no message ${frameId}`)
  return found
}

function signal (m: CanMessage, name: string): CanSignal {
  const found = m.signals.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no signal ${name} in ${m.name}`)
  return found
}

if (files.length === 0) {
  t.skip(`opendbc fixtures not present in ${dir}`, async () => {})
}

for (const file of files) {
  t.test(`parses ${file} with its exact counts and round-trips every signal layout in it`, async (t) => {
    const db = parseDbcFile(dir + file)
    const signals = db.messages.flatMap((m) => m.signals)
    const expected = EXPECTED[file]
    if (expected === undefined) {
      t.fail(`${file}: no expected counts; add them to EXPECTED (see the commands above)`)
    } else {
      t.equal(db.messages.length, expected.messages, 'messages')
      t.equal(signals.length, expected.signals, 'signals')
      t.equal(signals.filter((s) => s.isMultiplexer || s.multiplexedBy !== undefined).length, expected.multiplexed, 'multiplexed signals')
      t.equal(db.messages.filter((m) => m.extended).length, expected.extended, 'extended ids')
      expected.check(t, db)
    }
    t.comment(`${file}: ${db.messages.length} messages, ${signals.length} signals, ${db.nodes.length} nodes, ${db.warnings.length} warnings`)

    // Each signal alone in a payload of its message's length: the raw maximum
    // and a mixed bit pattern come back unchanged.
    const failures: string[] = []
    for (const message of db.messages) {
      for (const signal of message.signals) {
        if (signal.valueType !== 'integer') continue
        const bits = Math.min(signal.length, 53)
        const patterns = signal.signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, -1] : [2 ** bits - 1, Math.floor((2 ** bits - 1) / 3)]
        for (const raw of patterns) {
          const data = new Uint8Array(message.length)
          encodeRaw(signal, data, raw)
          const back = decodeRaw(signal, data)
          if (back !== raw) failures.push(`${message.name}.${signal.name}: ${raw} -> ${back}`)
        }
      }
    }
    t.same(failures, [], `${signals.length} signals: every integer layout round-trips its raw extremes`)
  })
}
