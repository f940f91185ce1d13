/**
 * Every error Pitwall raises on purpose carries one of these stable codes.
 * The code is what clients, alerts and runbooks key on (API bodies, dead
 * letters, CLI output, logs); the message names the input and what was
 * wrong. This table is the one place that says what each code means to each
 * kind of caller, as fastify's lib/errors.js does for FST_ERR_*:
 *
 * - `status`: the HTTP status the API answers with (gateway/api/errors.ts);
 * - `mqtt`: what a vehicle sees, for codes the broker or ingest meet;
 * - the CLI prints `pitwall: [CODE] message` and exits with `exitCodeOf`.
 *
 * test/runtime/errors.test.ts checks that every code the source names is here.
 */

interface ErrorSpec {
  readonly status: number
  readonly mqtt?: string
  readonly means: string
}

const DEAD_LETTER = 'the batch is dead-lettered with this reason and acknowledged (PUBACK), so the T-box moves on'
const CLOSED = 'the connection is closed (MQTT 3.1.1 has no negative PUBACK, [MQTT-3.3.5-2])'

export const ERRORS = {
  // requests (API, CLI)
  PITWALL_ERR_BAD_REQUEST: { status: 400, means: 'the request\'s shape or a value in it is wrong; the message names the field' },
  PITWALL_ERR_UNAUTHENTICATED: { status: 401, means: 'no API token, or one that is unknown, revoked or expired' },
  PITWALL_ERR_FORBIDDEN: { status: 403, means: 'the token\'s role or dealer may not do or see this' },
  PITWALL_ERR_NOT_FOUND: { status: 404, means: 'no API route with this method and path' },
  PITWALL_ERR_RATE_LIMITED: { status: 429, mqtt: 'CONNECT answered with return code 3 (server unavailable) until the back-off passes', means: 'too many requests by this token, or too many failed authentications from this address (or for this VIN); Retry-After says when to try again' },
  PITWALL_ERR_TOO_MANY_STREAMS: { status: 429, means: 'the token holds as many Server-Sent Events streams as one token may (4), or the gateway as many as PITWALL_MAX_SSE_STREAMS allows; close one or try again later' },
  PITWALL_ERR_INTERNAL: { status: 500, means: 'a server-side failure; the gateway log has the cause' },
  PITWALL_ERR_CONFIG: { status: 500, means: 'a setting (environment or flag) is invalid; the gateway does not start' },
  PITWALL_ERR_TLS: { status: 500, means: 'a TLS file (certificate, key, client CA, CRL) cannot be used: at start the gateway does not start; on reload the previous set stays in use' },

  // storage
  PITWALL_ERR_STORAGE_UNAVAILABLE: { status: 503, mqtt: 'no PUBACK until the database is back; CONNECT answered with return code 3', means: 'the database cannot be reached or is shutting down; try again shortly' },
  PITWALL_ERR_STORAGE_CLOSED: { status: 503, mqtt: 'no PUBACK; the gateway is stopping', means: 'the gateway is shutting down its storage' },
  PITWALL_ERR_STORAGE_REJECTED: { status: 500, mqtt: DEAD_LETTER, means: 'the database refused the data itself (a constraint or type); retrying would fail again' },
  PITWALL_ERR_PROJECTION_LAG: { status: 503, means: '/readyz: stored batches have waited longer than PITWALL_PROJECTION_MAX_LAG_MS for their decoded rows (samples, positions, DTCs); their PUBACKs went out, reads of them lag: send readers to another node until it catches up' },
  PITWALL_ERR_STORAGE_EMBEDDED: { status: 500, means: 'the embedded database did not start' },
  PITWALL_ERR_STORAGE_EXPOSED: { status: 500, means: 'the embedded database\'s data directory, or a file in it, is open to group or others or belongs to another user; the gateway does not start until it is made private (the message names the path, its mode and the command to run)' },
  PITWALL_ERR_STORAGE_MIGRATION: { status: 500, means: 'a schema migration failed; the gateway does not start' },
  PITWALL_ERR_PARTITION: { status: 500, means: 'a day\'s partition could not be created or an expired one dropped (privileges, disk, a lock held too long); logged and counted (pitwall_partition_failures_total), tried again next pass; meanwhile rows go to the table\'s DEFAULT partition, so nothing is refused or lost' },

  // telemetry batches (decoders/batch.ts): each is a dead letter
  PITWALL_ERR_MALFORMED_PROTOBUF: { status: 400, mqtt: DEAD_LETTER, means: 'the payload is not a TelemetryBatch' },
  PITWALL_ERR_VIN_MISMATCH: { status: 400, mqtt: DEAD_LETTER, means: 'the batch names another vehicle than the connection\'s' },
  PITWALL_ERR_MISSING_SEQ: { status: 400, mqtt: DEAD_LETTER, means: 'the batch has no seq (its idempotency key)' },
  PITWALL_ERR_BAD_TIME: { status: 400, mqtt: DEAD_LETTER, means: 'base_time_us is not a plausible time' },
  PITWALL_ERR_CAN_BLOCK: { status: 400, mqtt: DEAD_LETTER, means: 'a CAN block\'s columns disagree or hold an invalid id or length' },
  PITWALL_ERR_SIGNAL_BLOCK: { status: 400, mqtt: DEAD_LETTER, means: 'a signal block\'s columns disagree' },
  PITWALL_ERR_OBD: { status: 400, mqtt: DEAD_LETTER, means: 'an OBD-II response in the batch is malformed' },
  PITWALL_ERR_DTC: { status: 400, mqtt: DEAD_LETTER, means: 'a DTC record is out of range' },
  PITWALL_ERR_FIRMWARE: { status: 400, mqtt: DEAD_LETTER, means: 'the firmware version a batch reports holds a control character (a NUL among them)' },
  PITWALL_ERR_BATCH_LIMIT: { status: 413, mqtt: DEAD_LETTER, means: 'the batch carries more entries of one kind (or a longer string) than its PITWALL_MAX_* setting allows; nothing of it is stored' },
  PITWALL_ERR_SEQ_REUSED: { status: 409, mqtt: DEAD_LETTER, means: 'the vehicle sent other bytes under a seq already stored (its counter went back)' },

  // broker
  PITWALL_ERR_ACL: { status: 403, mqtt: CLOSED, means: 'a vehicle published outside its own v1/{vin}/ topics' },
  PITWALL_ERR_PACKET_TOO_LARGE: { status: 413, mqtt: 'an oversized PUBLISH is dead-lettered and acknowledged; any other oversized packet, and before authentication any packet over the CONNECT limit, closes the connection', means: 'an MQTT packet is over the configured size limit (PITWALL_MAX_PACKET_BYTES; before authentication PITWALL_MAX_CONNECT_BYTES)' },
  PITWALL_ERR_MALFORMED_PACKET: { status: 400, mqtt: CLOSED, means: 'an MQTT fixed header is invalid, or a connection\'s first packet is not a CONNECT' },
  PITWALL_ERR_REDIS_UNAVAILABLE: { status: 503, mqtt: 'CONNECT answered with return code 3 and SUBSCRIBE with 0x80 until Redis answers again; telemetry of connected vehicles is still stored and acknowledged', means: 'Redis, which holds the broker state the gateway nodes share (PITWALL_REDIS_URL), does not answer: at start the gateway does not start; running, the node refuses what needs it (counted in pitwall_redis_refused_total), /readyz answers 503 so a load balancer sends new connections elsewhere, and commands wait in the database' },

  // decoder inputs (files and diagnostic responses)
  PITWALL_ERR_DBC_PARSE: { status: 400, means: 'a DBC file does not parse; the message gives file:line:column' },
  PITWALL_ERR_CANDUMP: { status: 400, means: 'a candump -l line does not parse' },
  PITWALL_ERR_CATALOG_CONFLICT: { status: 409, means: 'a manifest declares a catalog signal that exists with another unit' },
  PITWALL_ERR_MANIFEST_INVALID: { status: 400, means: 'a decoder manifest is invalid; the message names the field' },
  PITWALL_ERR_MANIFEST_UNKNOWN: { status: 404, means: 'no such decoder manifest (model and version)' },
  PITWALL_ERR_ULOG_NOT_ULOG: { status: 400, means: 'the file is not a ULog' },
  PITWALL_ERR_ULOG_UNSUPPORTED: { status: 400, means: 'a ULog feature this reader does not support' },
  PITWALL_ERR_ULOG_TRUNCATED: { status: 400, means: 'the ULog ends inside its 16-byte file header, so nothing can be read (a log cut later is read up to the cut, and its stats say where)' },
  PITWALL_ERR_ULOG_CORRUPT: { status: 400, means: 'the ULog is damaged at the given offset' },
  PITWALL_ERR_ULOG_SELECTION: { status: 400, means: 'a topic or field asked for is not in the log' },
  PITWALL_ERR_ULOG_IO: { status: 500, means: 'the ULog file cannot be read' },
  PITWALL_ERR_OBD_TRUNCATED: { status: 400, means: 'an OBD-II response ends before its data' },
  PITWALL_ERR_OBD_UNKNOWN_PID: { status: 400, means: 'an OBD-II PID the decoder does not know' },
  PITWALL_ERR_OBD_SERVICE: { status: 400, means: 'a response for another OBD-II service than asked' },
  PITWALL_ERR_SERVICE09: { status: 400, means: 'a malformed OBD-II service 09 response' },
  PITWALL_ERR_NEGATIVE_RESPONSE: { status: 400, means: 'the ECU answered with a negative response (NRC)' },
  PITWALL_ERR_ISOTP_FRAME: { status: 400, means: 'an ISO-TP frame is invalid' },
  PITWALL_ERR_ISOTP_LENGTH: { status: 400, means: 'an ISO-TP message length is invalid' },
  PITWALL_ERR_ISOTP_SEQUENCE: { status: 400, means: 'ISO-TP consecutive frames are out of sequence' },
  PITWALL_ERR_ISOTP_INCOMPLETE: { status: 400, means: 'an ISO-TP message is missing frames' },
  PITWALL_ERR_DTC_TEXT: { status: 400, means: 'not a J2012 DTC text such as P0301' },
  PITWALL_ERR_DTC_VALUE: { status: 400, means: 'a DTC value out of range' },
  PITWALL_ERR_DTC_LIST: { status: 400, means: 'a malformed OBD-II DTC list' },
  PITWALL_ERR_UDS_READ_DTC: { status: 400, means: 'a malformed UDS 0x19 response' },
  PITWALL_ERR_DIAGNOSTIC_REQUEST: { status: 400, means: 'a remote diagnostic request (UDS or OBD-II service bytes, or the spec they are built from) is malformed; the message names the field or byte' },

  // rules, faults and service reminders
  PITWALL_ERR_RULE_FILE: { status: 400, means: 'a rule file is invalid; the message names the rule and field' },
  PITWALL_ERR_RULE_UNKNOWN: { status: 404, means: 'no such rule' },
  PITWALL_ERR_RULE_DUPLICATE: { status: 409, means: 'two rules with one id' },
  PITWALL_ERR_FAULT_UNKNOWN: { status: 404, means: 'no such fault' },
  PITWALL_ERR_FAULT_TRANSITION: { status: 409, means: 'the fault is not in a state that allows this' },
  PITWALL_ERR_FAULT_NOT_RESOLVED: { status: 409, means: 'a case is linked only to a resolved fault' },
  PITWALL_ERR_SIGNAL_UNKNOWN: { status: 400, means: 'a signal name the catalog does not have' },
  PITWALL_ERR_SERVICE_COVERS: { status: 400, means: 'a service record names none of the maintenance items it covered' },
  PITWALL_ERR_REMINDER_UNKNOWN: { status: 404, means: 'no such service reminder' },
  PITWALL_ERR_REMINDER_DUPLICATE: { status: 409, means: 'two service reminder definitions with one id' },
  PITWALL_ERR_REMINDER_TRANSITION: { status: 409, means: 'the reminder is not in a state that allows this' },

  // vehicles and commands
  PITWALL_ERR_BAD_VIN: { status: 400, means: 'not an ISO 3779 VIN' },
  PITWALL_ERR_VEHICLE_UNKNOWN: { status: 404, means: 'no such vehicle' },
  PITWALL_ERR_VEHICLE_EXISTS: { status: 409, means: 'the vehicle is registered already' },
  PITWALL_ERR_CERTIFICATE_INVALID: { status: 400, means: 'a client certificate cannot be registered for the vehicle: unreadable, not naming its VIN, expired, not issued by the configured CA, or registered already' },
  PITWALL_ERR_COMMAND_INVALID: { status: 400, means: 'the command asks for nothing, or for something no T-box can carry' },
  PITWALL_ERR_COMMAND_UNKNOWN: { status: 404, mqtt: 'an acknowledgement for it is dead-lettered with this reason and acknowledged (PUBACK)', means: 'no such command for this vehicle' },
  PITWALL_ERR_COMMAND_TRANSITION: { status: 409, means: 'the command is not in a state that allows this' },
  PITWALL_ERR_COMMAND_ACK: { status: 400, mqtt: 'the acknowledgement is dead-lettered with this reason and acknowledged (PUBACK)', means: 'a CommandAck that does not decode or names no known state' },
  PITWALL_ERR_COMMAND_KEY: { status: 500, means: 'a command signing key is missing, unreadable or of the wrong kind' },
  PITWALL_ERR_OTA_PACKAGE_UNKNOWN: { status: 404, means: 'no such OTA package version' },
  PITWALL_ERR_OTA_PACKAGE_EXISTS: { status: 409, means: 'the OTA package version is registered already' },
  PITWALL_ERR_OTA_PACKAGE_INVALID: { status: 400, means: 'an OTA package field is invalid' },
  PITWALL_ERR_CAMPAIGN_UNKNOWN: { status: 404, means: 'no such campaign' },
  PITWALL_ERR_CAMPAIGN_EXISTS: { status: 409, means: 'a campaign with this id exists already' },
  PITWALL_ERR_CAMPAIGN_INVALID: { status: 400, means: 'a campaign field is invalid' },
  PITWALL_ERR_CAMPAIGN_TRANSITION: { status: 409, means: 'the campaign is not in a state that allows this' },

  // vehicle logs: uploads and replays (gateway/log-uploads.ts)
  PITWALL_ERR_UPLOAD_TOKEN: { status: 401, means: 'no upload token, or one that does not open this upload (wrong, or issued for another upload or vehicle)' },
  PITWALL_ERR_UPLOAD_EXPIRED: { status: 403, means: 'the upload token expired before the upload completed' },
  PITWALL_ERR_UPLOAD_SPENT: { status: 403, means: 'the upload has ended: complete (its one-time token is spent) or failed (the message says why)' },
  PITWALL_ERR_UPLOAD_OFFSET: { status: 409, means: 'the chunk does not start at the bytes received (GET or HEAD the upload for Upload-Offset), or another request is writing the upload' },
  PITWALL_ERR_UPLOAD_TOO_LARGE: { status: 413, means: 'the log is over PITWALL_LOG_UPLOAD_MAX_BYTES; nothing of it is kept' },
  PITWALL_ERR_UPLOAD_TYPE: { status: 415, means: 'the Content-Type is not a log, declares another kind than the upload\'s, or the bytes are not the kind declared (a ULog\'s magic, candump text lines); the chunk is not kept' },
  PITWALL_ERR_UPLOAD_LIMIT: { status: 409, means: 'the vehicle holds as many unfinished log uploads as PITWALL_LOG_UPLOADS_PER_VEHICLE allows' },
  PITWALL_ERR_LOG_UNKNOWN: { status: 404, means: 'no such vehicle log' },
  PITWALL_ERR_LOG_UNAVAILABLE: { status: 409, means: 'the log has no bytes to replay: not complete yet, failed, or its file is not in this gateway\'s data directory' },

  // dealers, alerts, cases, KPIs, tokens
  PITWALL_ERR_DEALER_UNKNOWN: { status: 404, means: 'no such dealer' },
  PITWALL_ERR_DEALER_EXISTS: { status: 409, means: 'a dealer with this id exists already' },
  PITWALL_ERR_DEALER_INVALID: { status: 400, means: 'a dealer field is invalid' },
  PITWALL_ERR_DEALER_NO_ROUTE: { status: 409, means: 'no dealer serves this vehicle' },
  PITWALL_ERR_DEALER_ALERT_UNKNOWN: { status: 404, means: 'no such alert (or not this dealer\'s)' },
  PITWALL_ERR_DEALER_ALERT_INVALID: { status: 400, means: 'an alert field is invalid' },
  PITWALL_ERR_DEALER_ALERT_TRANSITION: { status: 409, means: 'the alert is not in a state that allows this' },
  PITWALL_ERR_DEALER_ALERT_NOT_NEEDED: { status: 409, means: 'the fault no longer needs an alert' },
  PITWALL_ERR_RESCUE_NOT_STATIONARY: { status: 409, means: 'the vehicle is still moving; a rescue request waits' },
  PITWALL_ERR_RESCUE_UNKNOWN: { status: 404, means: 'no such rescue request (or not offered to this dealer)' },
  PITWALL_ERR_RESCUE_INVALID: { status: 400, means: 'a rescue request or move field is invalid (position, phone, description, ETA, outcome); the message names it' },
  PITWALL_ERR_RESCUE_TRANSITION: { status: 409, means: 'the rescue request is not in a state that allows this move (rescues only move forward)' },
  PITWALL_ERR_RESCUE_TAKEN: { status: 409, means: 'another dealer accepted the rescue request first; only that dealer moves it' },
  PITWALL_ERR_RESCUE_OPEN: { status: 409, means: 'the vehicle has an open rescue request from a call centre already; the message names it' },
  PITWALL_ERR_ASSISTANCE_UNKNOWN: { status: 404, means: 'no such assistance request (or not this dealer\'s)' },
  PITWALL_ERR_ASSISTANCE_INVALID: { status: 400, means: 'an assistance question or answer is empty or too long' },
  PITWALL_ERR_ASSISTANCE_TRANSITION: { status: 409, means: 'the assistance request was answered already' },
  PITWALL_ERR_ASSISTANCE_LIMIT: { status: 409, means: 'the alert holds as many assistance requests as one alert may' },
  PITWALL_ERR_WEBHOOK_DELIVERY_UNKNOWN: { status: 404, means: 'no such webhook delivery' },
  PITWALL_ERR_WEBHOOK_STATUS: { status: 502, means: 'a dealer\'s webhook endpoint answered with a status that is not success; the delivery is retried' },
  PITWALL_ERR_WEBHOOK_NOT_DEAD: { status: 409, means: 'only a dead webhook delivery can be retried' },
  PITWALL_ERR_WEBHOOK_ADDRESS: { status: 400, means: 'a webhook URL is plain http, or its host is or resolves to a loopback, private, link-local, metadata or other non-public address, and PITWALL_WEBHOOK_ALLOW does not list it; set: refused, at delivery: not sent, retried on the backoff' },
  PITWALL_ERR_CASE_UNKNOWN: { status: 404, means: 'no such case' },
  PITWALL_ERR_CASE_EXISTS: { status: 409, means: 'a case with this id exists already' },
  PITWALL_ERR_CASE_INVALID: { status: 400, means: 'a case field is invalid' },
  PITWALL_ERR_CASE_QUERY: { status: 400, means: 'a case search is invalid' },
  PITWALL_ERR_CASE_PACK: { status: 400, means: 'a case pack file is invalid' },
  PITWALL_ERR_CASE_LOOKUP: { status: 503, means: 'the linked case could not be read; the alert is retried' },
  PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING: { status: 503, means: 'the positions and DTCs before the fault are still being written; the alert is retried shortly' },
  PITWALL_ERR_KPI_QUERY: { status: 400, means: 'a KPI query is invalid' },
  PITWALL_ERR_SURVEY_INVALID: { status: 400, means: 'a survey answer is invalid (no score, a score off its scale, a time in the future); the message names the field' },
  PITWALL_ERR_SURVEY_TOO_EARLY: { status: 409, means: 'the alert is not repaired or closed yet: there has been no visit to rate' },
  PITWALL_ERR_SURVEY_ANSWERED: { status: 409, means: 'the alert has another survey answer already; answers are not corrected (the same answer again is accepted)' },
  PITWALL_ERR_SURVEY_UNKNOWN: { status: 404, means: 'the alert has no survey answer yet' },
  PITWALL_ERR_API_TOKEN_UNKNOWN: { status: 404, means: 'no such API token' },
  PITWALL_ERR_API_TOKEN_INVALID: { status: 400, means: 'an API token field is invalid' },

  // the simulator
  PITWALL_ERR_FAULT_SPEC: { status: 400, means: 'a simulator --inject spec is invalid' }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

/**
 * The one base of Pitwall's errors. A subclass names a family a caller tells
 * apart with instanceof (a ConfigError stops the start, a StorageError is
 * the database's) or adds fields a caller reads (a file position, whether to
 * retry); its constructor only fixes the code.
 */
export class PitwallError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }

  /** the HTTP status of this error's code */
  get status (): number {
    return ERRORS[this.code].status
  }

  /** fastify's name for it: an error thrown outside an API scope still gets its status */
  get statusCode (): number {
    return this.status
  }
}

export function isPitwallError (err: unknown, code?: ErrorCode): err is PitwallError {
  return err instanceof PitwallError && (code === undefined || err.code === code)
}

/** sysexits.h: 75 (EX_TEMPFAIL) asks a script to try again; every other refusal is 1. */
export function exitCodeOf (err: unknown): number {
  return err instanceof PitwallError && err.status === 503 ? 75 : 1
}
