/**
 * The ceiling for signal decode: the demo vehicle's DBC (sim/demo-vehicle.dbc)
 * decoded by hand, one case per message, bit arithmetic written out, straight
 * into typed columns. The bench checks it yields exactly the compiled
 * decoders' samples before timing either.
 */
import type { CanFrameColumns } from '../../decoders/can-frames.js'

export interface CeilingSamples {
  timeUs: Float64Array
  signal: Uint32Array
  value: Float64Array
  length: number
}

/** First channel of each message, in the compiled network's numbering. */
export interface DemoChannels {
  engine: number; speed: number; gear: number; temps: number; pack: number; cells: number
  power: number; diag: number; odo: number; pads: number; tpms: number
}

const f32 = new Float32Array(1)
const u8 = new Uint8Array(f32.buffer)

export function ceilingDecodeDemo (frames: CanFrameColumns, c: DemoChannels, out: CeilingSamples): void {
  const { data, id, offset, dtUs, baseTimeUs } = frames
  const ts = out.timeUs
  const sg = out.signal
  const vs = out.value
  let k = 0
  for (let i = 0; i < frames.count; i++) {
    const o = offset[i] as number
    const t = baseTimeUs + (dtUs[i] as number)
    const d = data
    switch (id[i]) {
      case 256:
        ts[k] = t; sg[k] = c.engine; vs[k++] = ((d[o] as number) | ((d[o + 1] as number) << 8)) * 0.25
        ts[k] = t; sg[k] = c.engine + 1; vs[k++] = (d[o + 2] as number) * 0.4
        ts[k] = t; sg[k] = c.engine + 2; vs[k++] = (d[o + 3] as number) * 0.4
        ts[k] = t; sg[k] = c.engine + 3; vs[k++] = (d[o + 4] as number) & 1
        ts[k] = t; sg[k] = c.engine + 4; vs[k++] = ((d[o + 4] as number) >> 1) & 1
        break
      case 304: {
        ts[k] = t; sg[k] = c.speed; vs[k++] = (((d[o] as number) << 8) | (d[o + 1] as number)) * 0.01
        const accel = (((d[o + 2] as number) << 4) | ((d[o + 3] as number) >> 4)) << 20 >> 20
        ts[k] = t; sg[k] = c.speed + 1; vs[k++] = accel * 0.01
        ts[k] = t; sg[k] = c.speed + 2; vs[k++] = (d[o + 3] as number) & 1
        break
      }
      case 416:
        ts[k] = t; sg[k] = c.gear; vs[k++] = (d[o] as number) & 0xf
        ts[k] = t; sg[k] = c.gear + 1; vs[k++] = (d[o] as number) >> 4
        break
      case 672:
        ts[k] = t; sg[k] = c.temps; vs[k++] = (d[o] as number) + -40
        ts[k] = t; sg[k] = c.temps + 1; vs[k++] = (d[o + 1] as number) * 0.5 + -40
        ts[k] = t; sg[k] = c.temps + 2; vs[k++] = (d[o + 2] as number) * 0.4
        ts[k] = t; sg[k] = c.temps + 3; vs[k++] = ((d[o + 3] as number) | ((d[o + 4] as number) << 8) | ((d[o + 5] as number) << 16)) * 0.05
        break
      case 928:
        u8[0] = d[o] as number; u8[1] = d[o + 1] as number; u8[2] = d[o + 2] as number; u8[3] = d[o + 3] as number
        ts[k] = t; sg[k] = c.pack; vs[k++] = f32[0] as number
        ts[k] = t; sg[k] = c.pack + 1; vs[k++] = (((d[o + 4] as number) | ((d[o + 5] as number) << 8)) << 16 >> 16) * 0.1
        ts[k] = t; sg[k] = c.pack + 2; vs[k++] = (d[o + 6] as number) * 0.5
        ts[k] = t; sg[k] = c.pack + 3; vs[k++] = (d[o + 7] as number) + -40
        break
      case 929: {
        const page = (d[o] as number) & 3
        ts[k] = t; sg[k] = c.cells; vs[k++] = page
        if (page === 0) {
          ts[k] = t; sg[k] = c.cells + 1; vs[k++] = ((d[o + 1] as number) | ((d[o + 2] as number) << 8)) * 0.001
          ts[k] = t; sg[k] = c.cells + 2; vs[k++] = ((d[o + 3] as number) | ((d[o + 4] as number) << 8)) * 0.001
          ts[k] = t; sg[k] = c.cells + 3; vs[k++] = (d[o + 5] as number) + 1
          ts[k] = t; sg[k] = c.cells + 4; vs[k++] = (d[o + 6] as number) + 1
        } else if (page === 1) {
          ts[k] = t; sg[k] = c.cells + 5; vs[k++] = (d[o + 1] as number) + -40
          ts[k] = t; sg[k] = c.cells + 6; vs[k++] = (d[o + 2] as number) + -40
        }
        break
      }
      case 944:
        ts[k] = t; sg[k] = c.power; vs[k++] = ((d[o] as number) | (((d[o + 1] as number) & 0xf) << 8)) * 0.01
        ts[k] = t; sg[k] = c.power + 1; vs[k++] = (((d[o + 2] as number) | ((d[o + 3] as number) << 8)) << 16 >> 16) * 0.01
        ts[k] = t; sg[k] = c.power + 2; vs[k++] = (d[o + 4] as number) & 3
        break
      case 1248:
        ts[k] = t; sg[k] = c.diag; vs[k++] = (d[o] as number) & 1
        ts[k] = t; sg[k] = c.diag + 1; vs[k++] = ((d[o] as number) >> 1) & 1
        ts[k] = t; sg[k] = c.diag + 2; vs[k++] = d[o + 1] as number
        break
      case 1312:
        ts[k] = t; sg[k] = c.odo; vs[k++] = (((d[o] as number) | ((d[o + 1] as number) << 8) | ((d[o + 2] as number) << 16)) + (d[o + 3] as number) * 16777216) * 0.1
        ts[k] = t; sg[k] = c.odo + 1; vs[k++] = ((d[o + 4] as number) | ((d[o + 5] as number) << 8) | (((d[o + 6] as number) & 0xf) << 16)) * 0.1
        break
      case 1344:
        ts[k] = t; sg[k] = c.pads; vs[k++] = (d[o] as number) & 0x7f
        ts[k] = t; sg[k] = c.pads + 1; vs[k++] = (d[o + 1] as number) & 0x7f
        ts[k] = t; sg[k] = c.pads + 2; vs[k++] = (d[o + 2] as number) & 0x7f
        ts[k] = t; sg[k] = c.pads + 3; vs[k++] = (d[o + 3] as number) & 0x7f
        ts[k] = t; sg[k] = c.pads + 4; vs[k++] = (d[o + 4] as number) & 1
        break
      case 0x98ff4033:
        ts[k] = t; sg[k] = c.tpms; vs[k++] = ((d[o] as number) | (((d[o + 1] as number) & 3) << 8)) * 0.5
        ts[k] = t; sg[k] = c.tpms + 1; vs[k++] = (((d[o + 1] as number) >> 2) | (((d[o + 2] as number) & 0xf) << 6)) * 0.5
        ts[k] = t; sg[k] = c.tpms + 2; vs[k++] = (((d[o + 2] as number) >> 4) | (((d[o + 3] as number) & 0x3f) << 4)) * 0.5
        ts[k] = t; sg[k] = c.tpms + 3; vs[k++] = (((d[o + 3] as number) >> 6) | ((d[o + 4] as number) << 2)) * 0.5
        ts[k] = t; sg[k] = c.tpms + 4; vs[k++] = (d[o + 5] as number) + -40
        ts[k] = t; sg[k] = c.tpms + 5; vs[k++] = (d[o + 6] as number) & 3
        break
    }
  }
  out.length = k
}
