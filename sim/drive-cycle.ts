/**
 * The driver: a phase machine that decides how hard to accelerate or brake.
 * parked -> idle -> accelerate -> cruise -> decelerate -> stop -> accelerate ...
 * with now and then a stop that becomes a park. Durations and target speeds
 * are drawn from the vehicle's seeded random stream.
 */
import type { SeededRandom } from './prng.js'

export type DrivePhase = 'parked' | 'idle' | 'accelerate' | 'cruise' | 'decelerate' | 'stop'

const KMH = 1 / 3.6

export class DriveCycle {
  phase: DrivePhase
  private readonly random: SeededRandom
  private phaseLeftS: number
  private targetKmh = 0
  private rateMps2 = 1.5
  private wobblePhase: number

  constructor (random: SeededRandom) {
    this.random = random
    this.wobblePhase = random.uniform(0, 2 * Math.PI)
    // Start somewhere in the cycle so a fleet does not move in lockstep.
    if (random.chance(0.5)) {
      this.phase = 'idle'
      this.phaseLeftS = random.uniform(1, 10)
    } else {
      this.phase = 'cruise'
      this.targetKmh = this.drawTargetKmh()
      this.phaseLeftS = random.uniform(5, 60)
    }
  }

  /** Speed a vehicle starting mid-cruise should already have. */
  initialSpeedKmh (): number {
    return this.phase === 'cruise' ? this.targetKmh : 0
  }

  /** Advances the driver by dt and returns the demanded acceleration in m/s^2. */
  step (dtS: number, speedKmh: number): number {
    this.phaseLeftS -= dtS
    switch (this.phase) {
      case 'parked':
      case 'idle':
      case 'stop':
        if (this.phaseLeftS <= 0) this.leaveStandstill()
        return speedKmh > 0 ? -3 : 0
      case 'accelerate': {
        const gapKmh = this.targetKmh - speedKmh
        if (gapKmh <= 0.5) {
          this.enter('cruise', this.random.uniform(15, 90))
          return 0
        }
        // ease off over the last 10 km/h, as drivers (and cruise control) do
        return this.rateMps2 * Math.min(1, 0.2 + gapKmh / 10)
      }
      case 'cruise': {
        if (this.phaseLeftS <= 0) {
          this.leaveCruise()
          return 0
        }
        this.wobblePhase += dtS * 0.15
        const wanted = this.targetKmh + 2.5 * Math.sin(this.wobblePhase)
        return Math.max(-1.5, Math.min(1.5, 0.25 * (wanted - speedKmh) * KMH))
      }
      case 'decelerate': {
        const gapKmh = speedKmh - this.targetKmh
        if (gapKmh <= 0.2) {
          if (this.targetKmh === 0) this.enter('stop', this.random.uniform(5, 35))
          else this.enter('cruise', this.random.uniform(15, 90))
          return 0
        }
        return -this.rateMps2 * Math.min(1, 0.3 + gapKmh / 8)
      }
    }
  }

  private enter (phase: DrivePhase, durationS: number): void {
    this.phase = phase
    this.phaseLeftS = durationS
  }

  private leaveStandstill (): void {
    if (this.phase === 'parked') {
      this.enter('idle', this.random.uniform(3, 10))
      return
    }
    if (this.phase === 'stop' && this.random.chance(0.12)) {
      this.enter('parked', this.random.uniform(20, 60))
      return
    }
    this.targetKmh = this.drawTargetKmh()
    this.rateMps2 = this.random.uniform(1.0, 2.5)
    this.enter('accelerate', Infinity)
  }

  private leaveCruise (): void {
    if (this.random.chance(0.65)) {
      this.targetKmh = 0
      this.rateMps2 = this.random.uniform(1.2, 3.0)
      this.enter('decelerate', Infinity)
      return
    }
    const next = this.drawTargetKmh()
    const slower = next < this.targetKmh
    this.targetKmh = next
    this.rateMps2 = this.random.uniform(0.8, 1.8)
    this.enter(slower ? 'decelerate' : 'accelerate', Infinity)
  }

  /** Mostly city speeds, some ring road, a little motorway. */
  private drawTargetKmh (): number {
    const r = this.random.next()
    if (r < 0.6) return this.random.uniform(30, 60)
    if (r < 0.9) return this.random.uniform(60, 90)
    return this.random.uniform(100, 130)
  }
}
