import t from 'tap'
import { parseDbc } from '../../../decoders/can/dbc-parse.js'

const FULL = `VERSION "1.2.3"

NS_ :
    NS_DESC_
    CM_
    BA_DEF_
    SIG_GROUP_

BS_:

BU_: ECM BMS TBOX

BO_ 256 ECM_EngineData: 8 ECM
 SG_ EngineSpeed : 0|16@1+ (0.25,0) [0|16383.75] "rpm" TBOX,BMS
 SG_ VehicleAccel : 23|12@0- (0.01,0) [-20.48|20.47] "m/s^2"  TBOX

BO_ 2566864947 TPMS_TyrePressures: 8 TPMS
 SG_ Page M : 0|2@1+ (1,0) [0|3] "" TBOX
 SG_ PressureFL m0 : 8|10@1+ (0.5,0) [0|511.5] "kPa" TBOX
 SG_ TempFL m1 : 8|8@1+ (1,-40) [-40|215] "degC" TBOX
 SG_ Detail m1M : 16|4@1+ (1,0) [0|15] "" TBOX
 SG_ DetailA m2 : 24|8@1+ (1,0) [0|255] "" TBOX

BO_ 928 BMS_PackStatus: 8 BMS
 SG_ PackVoltage : 0|32@1- (1,0) [0|1000] "V" TBOX
 SG_ Gear : 32|4@1+ (1,0) [0|15] "" TBOX

BO_TX_BU_ 928 : BMS,ECM;

EV_ Dummy: 0 [0|0] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;
SIG_GROUP_ 256 Group 1 : EngineSpeed;

CM_ "The demo network";
CM_ BU_ ECM "Engine control module";
CM_ BO_ 256 "Engine data, sent every 10 ms";
CM_ SG_ 256 EngineSpeed "Crankshaft speed.
Second line with a \\"quote\\"";
BA_DEF_ BO_ "GenMsgCycleTime" INT 0 10000;
BA_DEF_ "BusType" STRING ;
BA_DEF_ SG_ "GenSigSendType" ENUM "Cyclic","OnChange";
BA_DEF_REL_ BU_SG_REL_ "SigTimeout" INT 0 1000;
BA_DEF_DEF_ "GenMsgCycleTime" 1000;
BA_DEF_DEF_ "BusType" "CAN";
BA_ "BusType" "CAN FD";
BA_ "GenMsgCycleTime" BO_ 256 10;
BA_ "GenSigSendType" SG_ 256 EngineSpeed 1;
BA_ "GenMsgCycleTime" BO_ 999 50;
CAT_DEF_ 1 "unterminated statement of an unmodelled section" 2
VAL_TABLE_ GearTable 0 "P" 1 "R" 2 "N" 3 "D" ;
VAL_ 928 Gear 0 "P" 1 "R" 2 "N" 3 "D" 15 "SNA" ;
SIG_VALTYPE_ 928 PackVoltage : 1;
SG_MUL_VAL_ 2566864947 DetailA Detail 2-3, 5-5;
`

t.test('parses every supported section into the model', async (t) => {
  const db = parseDbc(FULL, 'full.dbc')
  t.equal(db.fileName, 'full.dbc')
  t.equal(db.version, '1.2.3')
  t.same(db.nodes.map((n) => n.name), ['ECM', 'BMS', 'TBOX'])
  t.equal(db.nodes[0]?.comment, 'Engine control module')
  t.equal(db.comment, 'The demo network')
  t.same(db.messages.map((m) => m.name), ['ECM_EngineData', 'TPMS_TyrePressures', 'BMS_PackStatus'])

  const [engine, tpms, bms] = db.messages
  if (engine === undefined || tpms === undefined || bms === undefined) throw new Error('messages missing')
  t.match(engine, { frameId: 256, id: 256, extended: false, length: 8, sender: 'ECM', cycleTimeMs: 10, comment: 'Engine data, sent every 10 ms' })
  const [rpm, accel] = engine.signals
  t.match(rpm, {
    name: 'EngineSpeed', startBit: 0, length: 16, byteOrder: 'little_endian', signed: false, valueType: 'integer',
    factor: 0.25, offset: 0, minimum: 0, maximum: 16383.75, unit: 'rpm', receivers: ['TBOX', 'BMS'],
    isMultiplexer: false, comment: 'Crankshaft speed.\nSecond line with a "quote"', attributes: { GenSigSendType: 1 }
  })
  t.match(accel, { startBit: 23, length: 12, byteOrder: 'big_endian', signed: true, minimum: -20.48, unit: 'm/s^2' })

  // 2566864947 = 0x98FF4033: bit 31 marks the 29-bit id 0x18FF4033
  t.match(tpms, { frameId: 0x98ff4033, id: 0x18ff4033, extended: true, cycleTimeMs: 1000 })
  const byName = new Map(tpms.signals.map((s) => [s.name, s]))
  t.equal(byName.get('Page')?.isMultiplexer, true)
  t.equal(byName.get('Page')?.multiplexedBy, undefined)
  t.same(byName.get('PressureFL')?.multiplexedBy, { switchName: 'Page', ranges: [[0, 0]] })
  t.same(byName.get('TempFL')?.multiplexedBy, { switchName: 'Page', ranges: [[1, 1]] })
  t.equal(byName.get('Detail')?.isMultiplexer, true)
  t.same(byName.get('Detail')?.multiplexedBy, { switchName: 'Page', ranges: [[1, 1]] })
  t.same(byName.get('DetailA')?.multiplexedBy, { switchName: 'Detail', ranges: [[2, 3], [5, 5]] })

  t.same(bms.transmitters, ['BMS', 'ECM'])
  t.equal(bms.cycleTimeMs, 1000, 'cycle time falls back to the BA_DEF_DEF_ default')
  t.equal(bms.signals[0]?.valueType, 'float32')
  t.same(bms.signals[1]?.choices, new Map([[0, 'P'], [1, 'R'], [2, 'N'], [3, 'D'], [15, 'SNA']]))
  t.same(db.valueTables.get('GearTable'), new Map([[0, 'P'], [1, 'R'], [2, 'N'], [3, 'D']]))

  t.same(db.attributes, { BusType: 'CAN FD' })
  t.match(db.attributeDefinitions, [
    { name: 'GenMsgCycleTime', objectType: 'BO_', valueType: 'INT', minimum: 0, maximum: 10000, defaultValue: 1000 },
    { name: 'BusType', objectType: '', valueType: 'STRING', defaultValue: 'CAN' },
    { name: 'GenSigSendType', objectType: 'SG_', valueType: 'ENUM', enumValues: ['Cyclic', 'OnChange'] }
  ])
  t.equal(db.attributeDefinitions.length, 3, 'BA_DEF_REL_ is skipped, not mistaken for BA_DEF_')
  t.match(db.warnings, [{ kind: 'undefined-reference', fileName: 'full.dbc', line: 47, column: 27, message: 'reference to undefined message 999; ignored' }])
  t.equal(db.warnings.length, 1)
})
