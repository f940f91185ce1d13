/**
 * The engine ECU's answers to OBD-II service 01 requests (SAE J1979), encoded
 * from the vehicle state exactly as the standard scales them.
 */
import type { VehicleState } from './vehicle-model.js'

/** The PIDs a T-box polls, in polling order. */
export const POLLED_PIDS: readonly number[] = [0x05, 0x0c, 0x0d, 0x2f, 0x42, 0x46, 0xa6]

/** 11-bit response id of the engine ECU (ISO 15765-4: request 0x7E0, response 0x7E8). */
export const ENGINE_ECU = 0x7e8

const byte = (v: number): number => Math.min(255, Math.max(0, Math.round(v)))
const word = (v: number): number[] => {
  const raw = Math.min(0xffff, Math.max(0, Math.round(v)))
  return [raw >> 8, raw & 0xff]
}

/** Data bytes A, B, ... of the response to service 01 `pid` (after the 0x41 and PID bytes). */
export function mode01Response (pid: number, s: VehicleState): Uint8Array {
  switch (pid) {
    // 0x05 engine coolant temperature: A - 40 degC
    case 0x05: return Uint8Array.of(byte(s.coolantC + 40))
    // 0x0C engine speed: (256A + B) / 4 rpm
    case 0x0c: return Uint8Array.from(word(s.engineRpm * 4))
    // 0x0D vehicle speed: A km/h
    case 0x0d: return Uint8Array.of(byte(s.speedKmh))
    // 0x2F fuel tank level input: 100A / 255 %
    case 0x2f: return Uint8Array.of(byte((s.fuelPct * 255) / 100))
    // 0x42 control module voltage: (256A + B) / 1000 V
    case 0x42: return Uint8Array.from(word(s.battery12vV * 1000))
    // 0x46 ambient air temperature: A - 40 degC
    case 0x46: return Uint8Array.of(byte(s.ambientC + 40))
    // 0xA6 odometer: (A<<24 | B<<16 | C<<8 | D) / 10 km
    case 0xa6: {
      const raw = Math.min(0xffff_ffff, Math.max(0, Math.round(s.odometerKm * 10)))
      return Uint8Array.of(Math.floor(raw / 0x100_0000) & 0xff, (raw >> 16) & 0xff, (raw >> 8) & 0xff, raw & 0xff)
    }
    default: throw new RangeError(`service 01 PID 0x${pid.toString(16)} is not simulated`)
  }
}
