/**
 * Configures protobufjs so 64-bit fields decode to plain numbers, not Long
 * objects. Imported by proto/index.ts before the generated code, whose
 * field defaults are fixed when it loads. seq and base_time_us stay far below
 * 2^53 (decoders reject values that do not), and a Long per field per batch
 * would be an allocation on the hot path for nothing.
 */
import protobuf from 'protobufjs/minimal.js'

protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long
protobuf.configure()
