/**
 * A T-box's CommandAck as the gateway reads it: a diagnostic request's
 * answers taken as data or reassembled from ISO-TP frames, and what a
 * vehicle could use to make the gateway store too much, or garbage, refused
 * with the reason (the ack is then a dead letter, as other bad acks are).
 */
import t from 'tap'
import { MAX_DIAGNOSTIC_RESPONSES, parseCommandAck } from '../../../actions/commands/wire.js'
import { pitwall } from '../../../proto/index.js'

const SUCCEEDED = pitwall.v1.CommandAck.State.SUCCEEDED
const ack = (responses: pitwall.v1.IDiagnosticResponse[]): Uint8Array =>
  pitwall.v1.CommandAck.encode({ id: 'c-1', state: SUCCEEDED, progress: 100, responses }).finish()

t.test('answers as data, or as frames reassembled', async (t) => {
  const parsed = parseCommandAck(ack([
    { ecu: 0x7e8, data: Uint8Array.of(0x59, 0x02, 0xff), elapsedMs: 35 },
    { ecu: 0x7ec, frames: [Uint8Array.of(0x10, 0x0b, 0x59, 0x02, 0xff, 0x02, 0x17, 0x00), Uint8Array.of(0x21, 0x2f, 0x03, 0x01, 0x00, 0x09)], elapsedMs: 40 }
  ]))
  t.same(parsed.responses, [{ ecu: 0x7e8, data: '5902ff', elapsedMs: 35 }, { ecu: 0x7ec, data: '5902ff0217002f03010009', elapsedMs: 40 }])
  t.same(parseCommandAck(ack([])).responses, [], 'other commands carry none')
})

t.test('what is refused, and why', async (t) => {
  const refused: Array<[pitwall.v1.IDiagnosticResponse[], RegExp]> = [
    [Array.from({ length: MAX_DIAGNOSTIC_RESPONSES + 1 }, () => ({ ecu: 0x7e8, data: Uint8Array.of(0x59) })), /carries 33 diagnostic responses, at most 32/],
    [[{ ecu: 0x800, data: Uint8Array.of(0x59) }], /not an 11-bit CAN id/],
    [[{ ecu: 0x7e8 }], /no data/],
    [[{ ecu: 0x7e8, data: Uint8Array.of(0x59), frames: [Uint8Array.of(0x01, 0x59)] }], /data or frames, not both/],
    [[{ ecu: 0x7e8, data: new Uint8Array(4096) }], /4096 bytes, at most 4095/],
    [[{ ecu: 0x7e8, frames: [new Uint8Array(9)] }], /a frame of 9 bytes/],
    [[{ ecu: 0x7e8, frames: [Uint8Array.of(0x10, 0x14, 1, 2, 3, 4, 5, 6)] }], /frames end before the message does/],
    [[{ ecu: 0x7e8, frames: [Uint8Array.of(0x02, 0x59, 0x02), Uint8Array.of(0x02, 0x59, 0x02)] }], /hold 2 messages, not one/],
    [[{ ecu: 0x7e8, frames: Array.from({ length: 700 }, () => Uint8Array.of(0x21, 0)) }], /700 frames, at most/]
  ]
  for (const [responses, message] of refused) {
    t.throws(() => parseCommandAck(ack(responses)), { code: 'PITWALL_ERR_COMMAND_ACK', message }, String(message))
  }
})
