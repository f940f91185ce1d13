/**
 * Decoded values Pitwall neither stores nor shows the rules, counted per
 * batch by where they came from and why. A batch that carries some is still
 * stored and acknowledged: its raw payload in the batch archive keeps the
 * values byte for byte, and these counts say what was left out of the rows.
 * Plain integer fields: counting costs an increment, nothing per sample.
 */
export interface SampleRejections {
  /** edge-decoded (SignalBlock) value that is NaN or ±Infinity */
  edgeNonFinite: number
  /** edge-decoded value outside its catalog signal's declared range */
  edgeOutOfRange: number
  /** edge-decoded sample whose signal id is not in the catalog */
  edgeUnknownSignal: number
  /** DBC float signal (SIG_VALTYPE_ 1/2) whose bits are NaN or ±Infinity */
  canNonFinite: number
  /** DBC signal outside its [minimum|maximum] */
  canOutOfRange: number
  /** OBD-II value SAE J1979 marks "not applicable" (decoded as NaN): a meaning, not a fault of the vehicle */
  obdNotApplicable: number
  /** GNSS fix with a position outside WGS-84 or a field outside its range (the whole fix is left out) */
  gnssOutOfRange: number
}

/** The Prometheus labels of each count (pitwall_samples_rejected_total{source, reason}). */
export const REJECTION_LABELS: ReadonlyArray<readonly [keyof SampleRejections, { source: string, reason: string }]> = [
  ['edgeNonFinite', { source: 'edge', reason: 'non_finite' }],
  ['edgeOutOfRange', { source: 'edge', reason: 'out_of_range' }],
  ['edgeUnknownSignal', { source: 'edge', reason: 'unknown_signal' }],
  ['canNonFinite', { source: 'can', reason: 'non_finite' }],
  ['canOutOfRange', { source: 'can', reason: 'out_of_range' }],
  ['obdNotApplicable', { source: 'obd', reason: 'not_applicable' }],
  ['gnssOutOfRange', { source: 'gnss', reason: 'out_of_range' }]
]

export function noRejections (): SampleRejections {
  return { edgeNonFinite: 0, edgeOutOfRange: 0, edgeUnknownSignal: 0, canNonFinite: 0, canOutOfRange: 0, obdNotApplicable: 0, gnssOutOfRange: 0 }
}

/** Everything left out for a fault of the data: all but "not applicable", which is what the ECU meant to say. */
export function faultyCount (r: SampleRejections): number {
  return r.edgeNonFinite + r.edgeOutOfRange + r.edgeUnknownSignal + r.canNonFinite + r.canOutOfRange + r.gnssOutOfRange
}

