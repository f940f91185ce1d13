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
  const signalName = r.expectName('a signal name')
  const switchToken = r.peek()
  const switchName = r.expectName('the name of the multiplexer switch')
  const ranges: Array<readonly [number, number]> = []
  while (!r.isPunct(';') && !r.startsStatement(r.peek())) {
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
  r.endStatement('after SG_MUL_VAL_')
  if (message === undefined) return
  const signal = r.signalOf(message, signalName)
  if (signal === undefined) {
    r.missingSignal(signalToken, message, signalName)
    return
  }
  const switchSignal = r.signalOf(message, switchName)
  const notSwitch = { expected: `a multiplexer switch (M or mNM) of message ${message.name}`, found: `'${switchName}'` }
  if (switchSignal === undefined) {
    r.warn(switchToken, 'undefined-reference', `SG_MUL_VAL_ for ${signalName} names ${switchName}, which message ${message.name} does not have; ignored`, notSwitch)
    return
  }
  if (!switchSignal.isMultiplexer) {
    r.warn(switchToken, 'switch-not-multiplexer', `SG_MUL_VAL_ for ${signalName} names ${switchName}, which its SG_ line does not mark M; used as the switch`, notSwitch)
    switchSignal.isMultiplexer = true
    r.promotedSwitches.add(switchSignal)
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
  resolveBareMarkers(r)
  const multiplexed = new Set(r.pendingMultiplex.map((p) => p.signal))
  const topSwitch = new Map<CanMessage, CanSignal | undefined>()
  for (const { message, signal, value, token } of r.pendingMultiplex) {
    if (value === undefined || r.extendedMultiplexed.has(signal)) continue
    if (!topSwitch.has(message)) topSwitch.set(message, message.signals.find((s) => s.isMultiplexer && !multiplexed.has(s) && !r.promotedSwitches.has(s)))
    const switchSignal = topSwitch.get(message)
    if (switchSignal === undefined) {
      r.warn(token, 'multiplexed-without-switch', `signal ${signal.name} is marked m${value} but message ${message.name} has no switch (M); decoded in every frame, as opendbc does`,
        { expected: `a multiplexer switch (M) in message ${message.name}`, found: `multiplexed signal ${signal.name} without one` })
      continue
    }
    signal.multiplexedBy = { switchName: switchSignal.name, ranges: [[value, value]] }
  }
  for (const message of r.db.messages) checkSwitchChains(r, message)
}

/**
 * A bare `m` (no switch value; old vw_pq.dbc's `MO2_Mp_Code m : 6|2@1+`
 * beside `m0`..`m2` signals) is read as:
 * - multiplexed, when SG_MUL_VAL_ gives its condition;
 * - else the switch, when its message has `mN` signals and no `M`: a
 *   lower-case M, since without it those signals would have no switch;
 * - else a plain signal, decoded in every frame (as opendbc does).
 */
function resolveBareMarkers (r: DbcReader): void {
  const bare = r.pendingMultiplex.filter((p) => p.value === undefined)
  if (bare.length === 0) return
  const withSwitch = new Set(r.db.messages.filter((m) => m.signals.some((s) => s.isMultiplexer)))
  const needSwitch = new Set(r.pendingMultiplex.filter((p) => p.value !== undefined && !r.extendedMultiplexed.has(p.signal)).map((p) => p.message))
  for (const { message, signal, token } of bare) {
    const strictError = { expected: `a multiplexer marker with its switch value (mN) for signal ${signal.name}`, found: "'m'" }
    if (r.extendedMultiplexed.has(signal)) {
      r.warn(token, 'bare-multiplexer', `signal ${signal.name} is marked m without a switch value; SG_MUL_VAL_ gives its condition`, strictError)
    } else if (needSwitch.has(message) && !withSwitch.has(message)) {
      signal.isMultiplexer = true
      withSwitch.add(message)
      r.warn(token, 'bare-multiplexer', `signal ${signal.name} is marked m without a switch value; read as M, the switch of the mN signals of message ${message.name}`, strictError)
    } else {
      r.warn(token, 'bare-multiplexer', `signal ${signal.name} is marked m without a switch value and nothing selects it; decoded in every frame, as opendbc does`, strictError)
    }
  }
  // What is settled leaves the list: the switch is not multiplexed, the rest keep SG_MUL_VAL_'s condition or none.
  r.dropPending((p) => p.value === undefined)
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
