import t from 'tap'
import { catalogSignalById } from '../../../decoders/catalog.js'
import { MAX_PID_FIELDS, SERVICE01_PIDS, mode01Pid, supportedPids } from '../../../decoders/obd/pids.js'
import { monitorStatus } from '../../../decoders/obd/monitor-status.js'
import { decodePid } from '../../../decoders/obd/service01.js'
import { hex } from './bytes.js'

/** name -> value of one PID's data, via the public decode */
function values (pid: number, data: string): Record<string, number> {
  return Object.fromEntries(decodePid(pid, hex(data)).values.map((v) => [v.name, v.value]))
}
const one = (pid: number, data: string): number => {
  const [v] = decodePid(pid, hex(data)).values
  if (v === undefined) throw new Error(`PID ${pid} decoded to nothing`)
  return v.value
}

t.test('SAE J1979 formulas, worked by hand from the data bytes', async (t) => {
  const cases: Array<[number, string, number, string]> = [
    [0x04, 'FF', 100, '0x04 load 100A/255: FF = 100 %'],
    [0x05, '7B', 83, '0x05 coolant A - 40: 0x7B = 123 - 40 = 83 degC'],
    [0x06, '80', 0, '0x06 short term trim (100/128)A - 100: 0x80 = 0 %'],
    [0x07, '00', -100, '0x07 long term trim: 0x00 = -100 % (leanest)'],
    [0x08, '9A', 20.3125, '0x08 trim: 0x9A = 154 * 100/128 - 100 = 20.3125 %'],
    [0x09, 'FF', 99.21875, '0x09 trim: 0xFF = 99.22 % (richest)'],
    [0x0a, '64', 300, '0x0A fuel pressure 3A: 0x64 = 100 * 3 = 300 kPa'],
    [0x0b, '21', 33, '0x0B MAP A: 0x21 = 33 kPa'],
    [0x0c, '1A F8', 1726, '0x0C rpm (256A+B)/4: (256*26 + 248)/4 = 1726'],
    [0x0d, '40', 64, '0x0D speed A: 0x40 = 64 km/h'],
    [0x0e, '90', 8, '0x0E timing advance A/2 - 64: 0x90 = 72 - 64 = 8 deg'],
    [0x0f, '3C', 20, '0x0F intake air A - 40: 60 - 40 = 20 degC'],
    [0x10, '01 F4', 5, '0x10 MAF (256A+B)/100: 500/100 = 5 g/s'],
    [0x11, '33', 20, '0x11 throttle 100A/255: 51 -> 20 %'],
    [0x1f, '01 2C', 300, '0x1F run time 256A+B: 300 s'],
    [0x21, '00 0A', 10, '0x21 distance with MIL on: 10 km'],
    [0x22, '03 E8', 79, '0x22 rail pressure 0.079(256A+B): 1000 -> 79 kPa'],
    [0x23, '00 64', 1000, '0x23 rail gauge pressure 10(256A+B): 100 -> 1000 kPa'],
    [0x2c, 'FF', 100, '0x2C commanded EGR 100A/255'],
    [0x2d, '40', -50, '0x2D EGR error (100/128)A - 100: 64 -> -50 %'],
    [0x2f, '33', 20, '0x2F fuel level 100A/255: 51 -> 20 %'],
    [0x30, '05', 5, '0x30 warm-ups since clear: 5'],
    [0x31, '12 34', 4660, '0x31 distance since clear 256A+B: 0x1234 = 4660 km'],
    [0x32, 'FF 38', -50, '0x32 evap pressure signed(256A+B)/4: 0xFF38 = -200 -> -50 Pa'],
    [0x33, '65', 101, '0x33 barometric pressure A: 101 kPa'],
    [0x3c, '11 94', 410, '0x3C catalyst temp (256A+B)/10 - 40: 4500 -> 410 degC'],
    [0x42, '35 D6', 13.782, '0x42 module voltage (256A+B)/1000: 13782 -> 13.782 V'],
    [0x43, '00 FF', 100, '0x43 absolute load 100(256A+B)/255: 255 -> 100 %'],
    [0x43, '01 FE', 200, '0x43 absolute load above 100 % on a boosted engine: 510 -> 200 %'],
    [0x44, '80 00', 1, '0x44 commanded lambda (2/65536)(256A+B): 0x8000 = 1.0'],
    [0x45, '00', 0, '0x45 relative throttle 100A/255'],
    [0x46, '46', 30, '0x46 ambient A - 40: 70 - 40 = 30 degC'],
    [0x49, 'CC', 80, '0x49 accelerator pedal D 100A/255: 204 -> 80 %'],
    [0x4d, '00 3C', 60, '0x4D time with MIL on 256A+B: 60 min'],
    [0x4e, '01 00', 256, '0x4E time since codes cleared: 256 min'],
    [0x50, '19 00 00 00', 250, '0x50 max MAF 10A: 25 -> 250 g/s'],
    [0x52, '33', 20, '0x52 ethanol 100A/255'],
    [0x53, '4E 20', 100, '0x53 absolute evap pressure (256A+B)/200: 20000 -> 100 kPa'],
    [0x54, '80 00', -32768, '0x54 evap pressure signed 256A+B: 0x8000 = -32768 Pa'],
    [0x59, '01 00', 2560, '0x59 rail absolute pressure 10(256A+B): 256 -> 2560 kPa'],
    [0x5c, '82', 90, '0x5C oil temperature A - 40: 130 - 40 = 90 degC'],
    [0x5d, '69 00', 0, '0x5D injection timing (256A+B)/128 - 210: 26880/128 - 210 = 0 deg'],
    [0x5e, '00 64', 5, '0x5E fuel rate (256A+B)/20: 100/20 = 5 l/h'],
    [0x61, '7D', 0, "0x61 driver's demand torque A - 125: 125 -> 0 %"],
    [0x63, '01 90', 400, '0x63 reference torque 256A+B: 400 Nm'],
    [0xa6, '00 01 E2 40', 12345.6, '0xA6 odometer u32/10: 123456 -> 12345.6 km'],
    [0xa6, 'FF FF FF FF', 429496729.5, '0xA6 odometer keeps the top bit (unsigned)']
  ]
  for (const [pid, data, expected, name] of cases) {
    const got = one(pid, data)
    t.ok(Math.abs(got - expected) < 1e-9, `${name} (got ${got})`)
  }
})

t.test('PIDs with several values decode each to its own named field', async (t) => {
  t.same(values(0x14, '5A 80'), { voltage: 0.45, shortTermFuelTrim: 0 }, '0x14 O2 sensor 1: A/200 V, (100/128)B - 100 %')
  t.ok(Number.isNaN(values(0x15, '5A FF').shortTermFuelTrim), '0x15 B = FF: sensor not used for trim -> NaN')
  t.same(values(0x24, '80 00 20 00'), { lambda: 1, voltage: 1 }, '0x24 wide range: lambda 2*0x8000/65536, voltage 8*0x2000/65536')
  t.same(values(0x34, '80 00 81 00'), { lambda: 1, current: 1 }, '0x34 wide range current (256C+D)/256 - 128 = 1 mA')
  t.same(values(0x55, '80 90'), { bank1: 0, bank3: 12.5 }, '0x55 secondary O2 trim: A bank 1, B bank 3')
  const fuel = decodePid(0x03, hex('02 00')).values
  t.same(fuel.map((v) => v.label), ['closedLoopOxygenSensorFeedback', 'notPresent'], '0x03 fuel system status names per system')
  t.equal(decodePid(0x1c, hex('06')).values[0]?.label, 'EOBD', '0x1C OBD standard 6 = EOBD')
  t.equal(decodePid(0x51, hex('04')).values[0]?.label, 'diesel', '0x51 fuel type 4 = diesel')
  t.equal(decodePid(0x51, hex('C8')).values[0]?.label, undefined, 'an undefined enum value decodes as the number, without a name')
  t.equal(decodePid(0x51, hex('C8')).values[0]?.value, 200)
})

t.test('PID 0x01: MIL, DTC count and readiness monitors for spark ignition', async (t) => {
  // A = 83: MIL on, 3 DTCs. B = 07: spark (B3 = 0), misfire/fuel/components supported and complete.
  // C = 65 = 0110 0101: catalyst, evap, O2 sensor, O2 heater supported. D = 04: evap not complete.
  const v = values(0x01, '83 07 65 04')
  t.equal(v.milOn, 1)
  t.equal(v.dtcCount, 3)
  t.equal(v.ignitionType, 0, 'spark')
  t.equal(v.misfireSupported, 1)
  t.equal(v.misfireComplete, 1)
  t.equal(v.catalystComplete, 1)
  t.equal(v.evaporativeSystemSupported, 1)
  t.equal(v.evaporativeSystemComplete, 0, 'D2 set: evaporative system monitor not complete')
  t.equal(v.heatedCatalystSupported, 0)
  t.ok(Number.isNaN(v.heatedCatalystComplete as number), 'completion of an unsupported monitor is NaN, not "complete"')
  t.ok(Number.isNaN(v.particulateFilterSupported as number), 'compression monitors do not apply to a spark engine')
  const status = monitorStatus(hex('83 07 65 04'))
  t.equal(status.ignition, 'spark')
  t.same(status.monitors.filter((m) => m.supported && !m.complete).map((m) => m.name), ['evaporativeSystem'])
})

t.test('PID 0x01: compression-ignition monitors when B3 is set', async (t) => {
  // A = 00: MIL off. B = 1F: compression, 3 continuous monitors supported, misfire (B4) not complete.
  // C = C3 = 1100 0011: NMHC catalyst, NOx aftertreatment, PM filter, EGR/VVT. D = 40: PM filter not complete.
  const v = values(0x01, '00 1F C3 40')
  t.equal(v.milOn, 0)
  t.equal(v.ignitionType, 1, 'compression')
  t.equal(v.misfireComplete, 0)
  t.equal(v.fuelSystemComplete, 1)
  t.equal(v.nmhcCatalystComplete, 1)
  t.equal(v.particulateFilterSupported, 1)
  t.equal(v.particulateFilterComplete, 0)
  t.equal(v.boostPressureSupported, 0)
  t.ok(Number.isNaN(v.catalystSupported as number), 'spark monitors do not apply')
  t.same(monitorStatus(hex('00 1F C3 40')).monitors.filter((m) => m.supported && !m.complete).map((m) => m.name), ['misfire', 'particulateFilter'])
})

t.test('supported-PID bitmaps list the PIDs whose bits are set', async (t) => {
  // BE 1F A8 13 = 1011 1110 | 0001 1111 | 1010 1000 | 0001 0011, bit A7 = PID 01
  t.same(supportedPids(0x00, hex('BE 1F A8 13')),
    [0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x15, 0x1c, 0x1f, 0x20])
  t.same(supportedPids(0x40, hex('80 00 00 01')), [0x41, 0x60], 'offset by the bitmap PID; D0 says the next bitmap is supported')
  t.equal(one(0x20, '80 00 00 01'), 0x80000001, 'the raw bitmap value is unsigned')
})

t.test('the table is consistent: fields, lengths, catalog ids', async (t) => {
  const out = new Float64Array(MAX_PID_FIELDS + 1)
  for (const def of SERVICE01_PIDS) {
    const names = def.fields.map((f) => f.name)
    t.equal(new Set(names).size, names.length, `PID 0x${def.pid.toString(16)} field names are unique`)
    t.equal(def.signalIds.length, def.fields.length)
    def.signalIds.forEach((id, i) => {
      if (id >= 0) t.equal(catalogSignalById(id)?.name, def.fields[i]?.catalog, `PID 0x${def.pid.toString(16)} ${def.fields[i]?.name} -> catalog ${id}`)
    })
    // decode writes exactly fields.length values and reads no byte past `bytes`
    out.fill(-12345)
    def.decode(new Uint8Array(def.bytes).fill(0x5a), out, 0)
    t.equal(out.indexOf(-12345), def.fields.length, `PID 0x${def.pid.toString(16)} writes ${def.fields.length} values`)
  }
  t.ok(SERVICE01_PIDS.length >= 90, `${SERVICE01_PIDS.length} PIDs`)
  t.equal(mode01Pid(0x99), undefined, 'a PID outside the table is undefined, not a guess')
})
