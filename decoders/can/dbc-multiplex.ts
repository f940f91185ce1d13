/**
 * Multiplexing: SG_MUL_VAL_ (extended multiplexing, which may nest switches
 * through `mNM` signals) and, once every statement is read, the plain `mN`
 * markers that SG_MUL_VAL_ did not cover.
 */
import type { CanMessage, CanSignal } from './model.js'
import type { DbcReader } from './dbc-reader.js'

/** SG_MUL_VAL_ <message id> <signal> <switch> <lo>-<hi>[, <lo>-<hi>...] ; */
export function parseMultiplexValues (r: DbcReader): void {
  const keyword = r.next()
  const message = r.messageRef()
  const signalToken = r.peek()
  const signalName = r.expectIdentifier('a signal name')
  const switchToken = r.peek()
  const switchName = r.expectIdentifier('the name of the multiplexer switch')
  const ranges: Array<readonly [number, number]> = []
  while (!r.isPunct(';')) {
    const loToken = r.peek()
    const lo = r.expectInteger('the low end of a multiplexer range', 0, Number.MAX_SAFE_INTEGER)
    let hi: number
    const t = r.peek()
    // The lexer reads "1-3" as 1 and -3: the sign belongs to the range.
    if (t.kind === 'number' && t.text.startsWith('-')) {
      hi = -r.expectInteger('the high end of a multiplexer range', -Number.MAX_SAFE_INTEGER, 0)
    } else {
      r.expectPunct('-', '\'-\' in a multiplexer range')
      hi = r.expectInteger('the high end of a multiplexer range', 0, Number.MAX_SAFE_INTEGER)
    }
    if (hi < lo) throw r.error(loToken, 'a multiplexer range whose low end is not above its high end', `${lo}-${hi}`)
    ranges.push([lo, hi])
    if (r.isPunct(',')) r.next()
  }
  r.next()
  if (message === undefined) return
  const signal = r.signalOf(message, signalName)
  if (signal === undefined) {
    r.warn(signalToken, `reference to undefined signal ${signalName} of message ${message.name}`)
    return
  }
  const switchSignal = r.signalOf(message, switchName)
  if (switchSignal === undefined || !switchSignal.isMultiplexer) {
    throw r.error(switchToken, `a multiplexer switch (M or mNM) of message ${message.name}`, `'${switchName}'`)
  }
  signal.multiplexedBy = { switchName, ranges }
  r.extendedMultiplexed.set(signal, keyword)
}

/**
 * Plain `mN` markers refer to the message's top-level switch: the signal marked
 * `M`, or an `mNM` one that SG_MUL_VAL_ left without a condition. Then makes
 * sure no chain of switches loops, so that a decoder walking it terminates.
 */
export function resolveMultiplexing (r: DbcReader): void {
  const multiplexed = new Set(r.pendingMultiplex.map((p) => p.signal))
  const topSwitch = new Map<CanMessage, CanSignal | undefined>()
  for (const { message, signal, value, token } of r.pendingMultiplex) {
    if (r.extendedMultiplexed.has(signal)) continue
    if (!topSwitch.has(message)) topSwitch.set(message, message.signals.find((s) => s.isMultiplexer && !multiplexed.has(s)))
    const switchSignal = topSwitch.get(message)
    if (switchSignal === undefined) {
      throw r.error(token, `a multiplexer switch (M) in message ${message.name}`, `multiplexed signal ${signal.name} without one`)
    }
    signal.multiplexedBy = { switchName: switchSignal.name, ranges: [[value, value]] }
  }
  for (const message of r.db.messages) checkSwitchChains(r, message)
}

function checkSwitchChains (r: DbcReader, message: CanMessage): void {
  // 1: on the chain being walked, 2: known to end at an unconditional signal.
  const state = new Map<CanSignal, 1 | 2>()
  for (const start of message.signals) {
    const chain: CanSignal[] = []
    let signal: CanSignal | undefined = start
    while (signal !== undefined && state.get(signal) === undefined) {
      state.set(signal, 1)
      chain.push(signal)
      const condition: string | undefined = signal.multiplexedBy?.switchName
      signal = condition === undefined ? undefined : r.signalOf(message, condition)
    }
    if (signal !== undefined && state.get(signal) === 1) {
      throw r.error(r.extendedMultiplexed.get(signal) ?? r.peek(), `chains of multiplexer switches without loops in message ${message.name}`,
        `the loop ${[...chain.slice(chain.indexOf(signal)), signal].map((s) => s.name).join(' -> ')}`)
    }
    for (const s of chain) state.set(s, 2)
  }
}
