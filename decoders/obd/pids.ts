/**
 * SAE J1979 service 01 PIDs that map onto catalog signals: each entry turns
 * the data bytes A, B, C, D (after mode and PID) into the physical value.
 * The full PID table (bitmaps, monitors, multi-frame) grows in a later step;
 * a PID not listed here is kept in the raw batch, just not decoded.
 */
export interface ObdPid {
  readonly pid: number
  readonly signalId: number
  /** fewest data bytes the formula reads */
  readonly bytes: number
  readonly decode: (d: Uint8Array) => number
}

const u16 = (d: Uint8Array): number => ((d[0] as number) << 8) | (d[1] as number)

const MODE01_PIDS: readonly ObdPid[] = [
  // 0x05 engine coolant temperature: A - 40 degC
  { pid: 0x05, signalId: 3, bytes: 1, decode: (d) => (d[0] as number) - 40 },
  // 0x0C engine speed: (256A + B) / 4 rpm
  { pid: 0x0c, signalId: 2, bytes: 2, decode: (d) => u16(d) / 4 },
  // 0x0D vehicle speed: A km/h
  { pid: 0x0d, signalId: 1, bytes: 1, decode: (d) => d[0] as number },
  // 0x2F fuel tank level input: 100A / 255 %
  { pid: 0x2f, signalId: 15, bytes: 1, decode: (d) => (100 * (d[0] as number)) / 255 },
  // 0x42 control module voltage: (256A + B) / 1000 V
  { pid: 0x42, signalId: 14, bytes: 2, decode: (d) => u16(d) / 1000 },
  // 0x46 ambient air temperature: A - 40 degC
  { pid: 0x46, signalId: 18, bytes: 1, decode: (d) => (d[0] as number) - 40 },
  // 0xA6 odometer: (A<<24 | B<<16 | C<<8 | D) / 10 km
  { pid: 0xa6, signalId: 13, bytes: 4, decode: (d) => (((d[0] as number) * 0x1000000) + (((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number))) / 10 }
]

const byPid = new Map(MODE01_PIDS.map((p) => [p.pid, p]))

/** The decoder for a service 01 PID, if Pitwall maps it to a signal. */
export function mode01Pid (pid: number): ObdPid | undefined {
  return byPid.get(pid)
}
