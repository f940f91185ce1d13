/**
 * Why a payload was refused. The code is stable (dead-letter tables, metrics
 * and alerts key on it); the message names the field and the value.
 */
import { PitwallError } from '../runtime/errors.js'
export type RejectCode =
  | 'PITWALL_ERR_MALFORMED_PROTOBUF'
  | 'PITWALL_ERR_VIN_MISMATCH'
  | 'PITWALL_ERR_MISSING_SEQ'
  | 'PITWALL_ERR_BAD_TIME'
  | 'PITWALL_ERR_CAN_BLOCK'
  | 'PITWALL_ERR_SIGNAL_BLOCK'
  | 'PITWALL_ERR_OBD'
  | 'PITWALL_ERR_DTC'
  | 'PITWALL_ERR_BATCH_LIMIT'
  | 'PITWALL_ERR_FIRMWARE'

export class BatchRejected extends PitwallError {
  declare readonly code: RejectCode
  constructor (code: RejectCode, message: string) {
    super(code, message)
  }
}
