/**
 * The CAN database model: what a DBC file describes, independent of the DBC
 * text format (parsed in dbc-parse.ts) and of the bit-level codec (codec.ts).
 * Plain data, so a parsed database can be inspected, compiled or serialised.
 */

import type { DbcWarning } from './dbc-warnings.js'

/** DBC `@1` is Intel (little-endian), `@0` is Motorola (big-endian). */
export type ByteOrder = 'little_endian' | 'big_endian'

/** SIG_VALTYPE_: 0 (default) integer, 1 IEEE float32, 2 IEEE double. */
export type SignalValueType = 'integer' | 'float32' | 'float64'

export type AttributeValue = number | string

/**
 * When a multiplexed signal is present: the raw value of `switchName` lies in
 * one of `ranges` (inclusive). A plain `mN` marker is the range [N, N] on the
 * message's `M` signal; SG_MUL_VAL_ (extended multiplexing) can name another
 * switch and give several ranges.
 */
export interface MultiplexCondition {
  switchName: string
  ranges: Array<readonly [number, number]>
}

export interface CanSignal {
  name: string
  /**
   * DBC start bit, numbered byte * 8 + bit-in-byte (bit 0 = LSB of byte 0).
   * Intel: the signal's least significant bit; Motorola: its most significant
   * bit (DBC's "sawtooth" convention).
   */
  startBit: number
  length: number
  byteOrder: ByteOrder
  signed: boolean
  valueType: SignalValueType
  factor: number
  offset: number
  minimum: number
  maximum: number
  unit: string
  receivers: string[]
  /** `M` (or `mNM`): this signal selects which multiplexed signals are present. */
  isMultiplexer: boolean
  /** Absent for a signal that is always present. */
  multiplexedBy?: MultiplexCondition
  comment?: string
  /** VAL_ descriptions of raw values. */
  choices?: Map<number, string>
  /**
   * GenSigStartValue: the raw value (before factor and offset, as Vector's
   * tools write it) an encoder sends until told otherwise; from the signal's
   * attribute or the attribute's default, absent when neither is given.
   */
  rawStartValue?: number
  attributes: Record<string, AttributeValue>
}

export interface CanMessage {
  /**
   * The id as written in the DBC: bit 31 set marks a 29-bit extended id. An
   * id above 0x7FF written without bit 31 gets it (dbc-messages.ts messageKey),
   * so that bit 31 always says extended, as in CanBlock ids.
   */
  frameId: number
  /** The arbitration id without the extended flag. */
  id: number
  extended: boolean
  name: string
  /** Payload length in bytes (0..8 classic CAN, up to 64 CAN FD). */
  length: number
  /** The sending node; `Vector__XXX` when the DBC names none. */
  sender: string
  /** Further senders listed by BO_TX_BU_. */
  transmitters: string[]
  signals: CanSignal[]
  comment?: string
  /** GenMsgCycleTime in ms, from the message's attribute or the attribute's default; absent when 0 or undefined. */
  cycleTimeMs?: number
  /**
   * A CAN FD frame: VFrameFormat is StandardCAN_FD or ExtendedCAN_FD, or the
   * payload is longer than classic CAN's 8 bytes. The parser always sets it;
   * optional so that hand-built messages need not.
   */
  canFd?: boolean
  attributes: Record<string, AttributeValue>
}

export interface CanNode {
  name: string
  comment?: string
  attributes: Record<string, AttributeValue>
}

/** The object a BA_DEF_ attribute applies to: '' is the network (database) itself. */
export type AttributeObjectType = '' | 'BU_' | 'BO_' | 'SG_' | 'EV_'

export interface AttributeDefinition {
  name: string
  objectType: AttributeObjectType
  valueType: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM'
  minimum?: number
  maximum?: number
  enumValues?: string[]
  /** From BA_DEF_DEF_. */
  defaultValue?: AttributeValue
}

export interface CanDatabase {
  /** Where the text came from, for messages; '<string>' when parsed from memory. */
  fileName: string
  version: string
  nodes: CanNode[]
  messages: CanMessage[]
  /** VAL_TABLE_ definitions, by name. */
  valueTables: Map<string, Map<number, string>>
  attributeDefinitions: AttributeDefinition[]
  /** BA_ values that apply to the network as a whole. */
  attributes: Record<string, AttributeValue>
  comment?: string
  /**
   * What a lenient parse assumed or ignored (dbc-warnings.ts): quirks of
   * real files such as names starting with a digit, and leftovers that point
   * at nothing (a VAL_ for an undefined message). A strict parse refuses them.
   */
  warnings: DbcWarning[]
}
