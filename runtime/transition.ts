import { PitwallError, type ErrorCode } from './errors.js'

/**
 * A move a person makes in a feature's lifecycle (approve a command, resolve
 * a fault, pause a campaign): the states it starts from, the one it reaches,
 * and its verb for refusals ("cannot resolve fault 7: it is resolved"). A
 * feature's model lists its moves; its store applies one with a guarded
 * update that takes `from` and `to` as parameters.
 */
export interface Transition<State extends string> {
  readonly verb: string
  readonly from: readonly State[]
  readonly to: State
}

/**
 * How a feature refuses a move its guarded update matched nothing for, when
 * the record is there: the code, and the message given the record's id, the
 * state it is in and the move.
 */
export interface MoveRefusal<Move> {
  readonly code: ErrorCode
  readonly message: (id: string | number, prior: string, move: Move) => string
}

/**
 * The usual refusal: "cannot resolve fault 7: it is resolved (only open,
 * acknowledged, auto-cleared faults can be)". `plural` names the records in
 * the move's `from` states (the noun + s unless given), `joiner` goes between
 * those states, `spell` writes a state as prose does (as stored unless given).
 */
export function cannotMove (code: ErrorCode, noun: string, wording: { plural?: string, joiner?: string, spell?: (state: string) => string } = {}): MoveRefusal<Transition<string>> {
  const { plural = `${noun}s`, joiner = ', ', spell = (state: string) => state } = wording
  return {
    code,
    message: (id, prior, move) => `cannot ${move.verb} ${noun} ${id}: it is ${spell(prior)} (only ${move.from.map(spell).join(joiner)} ${plural} can be)`
  }
}

/**
 * Why a guarded move matched nothing: the record is not there (or not the
 * caller's) when its prior state read as null, else it is in a state the
 * move does not start from.
 */
export function refusedMove<Move> (refusal: MoveRefusal<Move>, id: string | number, prior: string | null | undefined, move: Move, unknown: () => PitwallError): PitwallError {
  if (prior === null || prior === undefined) return unknown()
  return new PitwallError(refusal.code, refusal.message(id, prior, move))
}
