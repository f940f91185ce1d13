/**
 * Vehicle logs: a ULog or candump file of a time window, asked of a vehicle
 * by a log-upload command (the T-box uploads it over HTTP with a one-time
 * token) or uploaded by an engineer, kept in the data directory, then
 * replayed through the rules. The upload's decisions are in ./policy.ts;
 * storage/vehicle-logs.ts keeps the rows, gateway/log-uploads.ts the bytes.
 *
 *   receiving → complete → decoded
 *        ↘ failed  ↘ failed (not decodable)
 */

export const LOG_KINDS = ['ulog', 'candump'] as const
export type LogKind = typeof LOG_KINDS[number]

export const LOG_STATES = ['receiving', 'complete', 'decoded', 'failed'] as const
export type LogState = typeof LOG_STATES[number]

/** A log as stored; never its token hashes. */
export interface VehicleLog {
  id: number
  vehicleId: number
  vin: string
  commandId: string | null
  kind: LogKind
  state: LogState
  /** the window asked for, Unix ms; null for an engineer's upload */
  fromMs: number | null
  toMs: number | null
  /** bytes on disk so far */
  received: number
  /** the whole file's size, once declared or complete */
  size: number | null
  sha256: string | null
  uploadExpiresAt: Date
  /** 'vehicle', or the engineer's token name */
  uploadedBy: string
  requestedBy: string
  detail: string | null
  createdAt: Date
  updatedAt: Date
  completedAt: Date | null
  decodedAt: Date | null
}

/** What the store knows of an upload when a token is presented for it (./policy.ts uploadRefusal decides). */
export interface UploadAuthorization {
  /** undefined: no such upload */
  state: LogState | undefined
  /** the presented token's hash is one issued for this upload */
  tokenMatches: boolean
  uploadExpiresAt: Date | undefined
  detail: string | null
}

/** A log with its replay report (GET /api/v1/logs/:id). */
export interface VehicleLogWithReport extends VehicleLog {
  report: LogReplayReport | null
}

/** One fault transition a replay would have raised, with its evidence. */
export interface ReplayedFault {
  /** Unix epoch ms of the sample that made the transition */
  timeMs: number
  ruleId: string
  type: 'opened' | 'reoccurred' | 'cleared'
  severity: string
  occurrences: number
  evidence: Array<{ signal: string, t: number, value: number }>
}

/** What replaying a log through the rules found (gateway/log-replay.ts). */
export interface LogReplayReport {
  /** the stored enabled rules ('current'), or a draft the engineer gave */
  rules: 'current' | 'draft'
  ruleIds: string[]
  /** the decoder manifest of the vehicle's model ("demo-ev@2"), the --can-dbc default, "none"; for a ULog the PX4 mapping */
  decodedWith: string
  /** synthetic telemetry batches the log became, each decoded as live ingest decodes one */
  batches: number
  /** batches refused as ingest would refuse them, by code */
  skippedBatches: Record<string, number>
  /** CAN frames read (candump) */
  frames: number
  /** samples the rules saw: CAN signals decoded plus ULog fields mapped to catalog signals */
  samples: number
  /** frames the manifest's DBCs do not describe, and remote or error frames (not data) */
  unknownFrames: number
  nonDataFrames: number
  /** lines that are not candump frames, with the first few reasons */
  badLines: number
  firstErrors: string[]
  /** ULog: topics with data that feed catalog signals, and those that feed none (skipped) */
  topics: { mapped: string[], skipped: string[] }
  /** the first and last sample time, Unix ms; null when nothing was read */
  firstMs: number | null
  lastMs: number | null
  /** where times came from: the log's own clock, a ULog's GPS fix, or assumed from the asked window / upload time */
  clock: 'log' | 'gps' | 'assumed'
  /** fault transitions in the order they would have happened (at most MAX_REPORT_EVENTS) */
  events: ReplayedFault[]
  eventsTruncated: boolean
  /** opened + reoccurred per rule id */
  byRule: Record<string, number>
  /** the log ended or broke before its end (a damaged ULog): what was decoded before is reported */
  error: string | null
  durationMs: number
}

/** Fault transitions a report lists (every one is counted in byRule). */
export const MAX_REPORT_EVENTS = 1000

/** An upload token: a recognisable prefix (secret scanners, logs) and 256 bits from the CSPRNG. */
export const UPLOAD_TOKEN_PREFIX = 'pwu_'
export const UPLOAD_TOKEN_BYTES = 32

/** The settings (gateway/config.ts) and their defaults. */
export interface LogUploadLimits {
  /** the largest log kept (PITWALL_LOG_UPLOAD_MAX_BYTES) */
  maxBytes: number
  /** unfinished uploads one vehicle may hold at once (PITWALL_LOG_UPLOADS_PER_VEHICLE) */
  unfinishedPerVehicle: number
  /** how long an upload may take after its command's expiry (the T-box may start it at the last moment) */
  uploadWindowMs: number
}

export const DEFAULT_LOG_UPLOAD_MAX_BYTES = 512 * 1024 * 1024
export const DEFAULT_LOG_UPLOADS_PER_VEHICLE = 4
export const DEFAULT_LOG_UPLOAD_WINDOW_MS = 6 * 3_600_000
export const DEFAULT_LOG_RETENTION_DAYS = 30

/** The longest window a log-upload command may ask for. */
export const MAX_LOG_WINDOW_MS = 24 * 3_600_000

/** Token hashes kept per upload: one per delivery attempt, the oldest dropped (a T-box runs the attempt it got first). */
export const MAX_TOKENS_PER_UPLOAD = 8
