/**
 * The decisions about rescue requests, as pure functions over plain data
 * (./model.ts): what a call centre's request must hold, which moves a rescue
 * may make and who may make them, why a guarded move that matched nothing
 * was refused (taken by another dealer, or not forward), what each move
 * does to the dealers' copies, and what a dealer may see of a rescue it did
 * not accept. The service (./service.ts) does the I/O; the store applies the
 * moves with guarded statements, so two dealers accepting at once cannot
 * both win.
 */
import { VIN_PATTERN } from '../../proto/topics.js'
import { PitwallError } from '../../runtime/errors.js'
import {
  CANCELLABLE_RESCUE_STATES, DESCRIPTION_MAX, ETA_HORIZON_MS, ETA_SKEW_MS, NOTE_MAX, PHONE_MAX, REASON_MAX, RESCUE_EVENTS, RESCUE_OUTCOMES,
  RESCUE_STATES, RESCUE_TAKEN_EVENT,
  type CopyEffect, type RescueEvent, type RescueInput, type RescueMove, type RescueOffer, type RescueOutcome, type RescueRequest, type RescueStanding, type RescueState
} from './model.js'

const invalid = (message: string): PitwallError => new PitwallError('PITWALL_ERR_RESCUE_INVALID', message)

// ---- a call centre's request --------------------------------------------------------

const PHONE = /^\+?[0-9 ()./-]+$/

/**
 * A call centre's request, checked and normalised (VIN upper-cased, texts
 * trimmed): PITWALL_ERR_RESCUE_INVALID naming every problem.
 */
export function checkRescueInput (input: RescueInput): RescueInput {
  const problems: string[] = []
  const vin = input.vin.trim().toUpperCase()
  if (!VIN_PATTERN.test(vin)) problems.push(`vin ${JSON.stringify(input.vin)} is not a VIN (17 characters of A-Z and 0-9, without I, O or Q)`)
  if (!Number.isFinite(input.lat) || input.lat < -90 || input.lat > 90) problems.push(`lat ${input.lat} is not a latitude (-90 to 90)`)
  if (!Number.isFinite(input.lon) || input.lon < -180 || input.lon > 180) problems.push(`lon ${input.lon} is not a longitude (-180 to 180)`)
  // 0, 0 is in the Gulf of Guinea: what a form or a GNSS receiver without a fix sends, never a stranded car
  if (input.lat === 0 && input.lon === 0) problems.push('the position 0, 0 is no position (a form left empty or a receiver without a fix)')
  const description = input.description.trim()
  if (description === '') problems.push('description is empty: say what happened and where the vehicle stands')
  if (description.length > DESCRIPTION_MAX) problems.push(`description has ${description.length} characters; at most ${DESCRIPTION_MAX}`)
  const contactPhone = input.contactPhone.trim()
  const digits = contactPhone.replace(/\D/g, '').length
  if (contactPhone.length > PHONE_MAX || !PHONE.test(contactPhone) || digits < 5 || digits > 15) {
    // E.164 numbers have at most 15 digits; spaces, brackets, dots and dashes are how people write them
    problems.push(`contactPhone ${JSON.stringify(input.contactPhone.slice(0, 40))} is not a phone number (5 to 15 digits, optionally a leading +, spaces, brackets, dots or dashes; at most ${PHONE_MAX} characters)`)
  }
  if (problems.length > 0) throw invalid(`rescue request${VIN_PATTERN.test(vin) ? ` for ${vin}` : ''}: ${problems.join('; ')}`)
  return { vin, lat: input.lat, lon: input.lon, description, contactPhone }
}

// ---- moves ---------------------------------------------------------------------------

/** Who moves a rescue: a dealer (its user), or the call centre (dealerId null: an engineer or operator token, the CLI without --dealer). */
export interface RescueActor {
  dealerId: string | null
  name: string
}

export interface RescueMoveInput {
  /** with dispatched: when the help expects to be on site */
  eta?: Date | undefined
  /** with towed: the dealer the vehicle is towed to; default the accepting dealer itself */
  towedTo?: string | undefined
  /** with closed */
  outcome?: string | undefined
  /** with cancelled */
  reason?: string | undefined
  note?: string | undefined
}

export function isRescueState (value: string): value is RescueState {
  return (RESCUE_STATES as readonly string[]).includes(value)
}

/** The states a rescue may move to `to` from (forward only; accepting only from requested, cancelling only before anyone is on site). */
export function rescueStatesBefore (to: RescueState): RescueState[] {
  if (to === 'requested') return []
  if (to === 'accepted') return ['requested']
  if (to === 'cancelled') return [...CANCELLABLE_RESCUE_STATES]
  return RESCUE_STATES.slice(RESCUE_STATES.indexOf('accepted'), RESCUE_STATES.indexOf(to))
}

const MOVE_WORDS = `requested → accepted → dispatched → on_site → towed → closed, steps after accepted may be skipped; cancelled from ${CANCELLABLE_RESCUE_STATES.join(', ')}`

/**
 * A request to move rescue `id` to `to`, checked: what the store may apply
 * (RescueRequestStore.move). The call centre cancels; every other move is
 * the dealer's (PITWALL_ERR_FORBIDDEN otherwise). `now` for tests.
 */
export function rescueMove (id: number, to: string, input: RescueMoveInput, actor: RescueActor, now: Date = new Date()): RescueMove {
  const what = `rescue request ${id}`
  if (!isRescueState(to) || to === 'requested') {
    throw invalid(`'${to}' is not a state a rescue moves to (${RESCUE_STATES.filter((s) => s !== 'requested').join(', ')})`)
  }
  if (to === 'cancelled' && actor.dealerId !== null) {
    throw new PitwallError('PITWALL_ERR_FORBIDDEN', `${what}: a rescue is cancelled by the call centre (an engineer or operator token); dealer ${actor.dealerId} closes it with its outcome instead`)
  }
  if (to !== 'cancelled' && actor.dealerId === null) {
    throw new PitwallError('PITWALL_ERR_FORBIDDEN', `${what}: moving a rescue to ${to} is the dealer's (a dealer token, or --dealer on the command line); the call centre may only cancel it`)
  }
  if (actor.name.trim() === '') throw invalid(`${what}: who moves it to ${to} must be given`)
  const only = (field: keyof RescueMoveInput, state: RescueState): void => {
    if (input[field] !== undefined && to !== state) throw invalid(`${what}: ${field} belongs to ${state}, not ${to}`)
  }
  only('eta', 'dispatched')
  only('towedTo', 'towed')
  only('outcome', 'closed')
  only('reason', 'cancelled')

  let eta: Date | null = null
  if (to === 'dispatched') {
    if (input.eta === undefined) throw invalid(`${what}: dispatched needs an eta (when the help expects to be on site)`)
    if (Number.isNaN(input.eta.getTime())) throw invalid(`${what}: eta is not a time`)
    if (input.eta.getTime() < now.getTime() - ETA_SKEW_MS) throw invalid(`${what}: eta ${input.eta.toISOString()} is in the past`)
    if (input.eta.getTime() > now.getTime() + ETA_HORIZON_MS) throw invalid(`${what}: eta ${input.eta.toISOString()} is more than ${ETA_HORIZON_MS / 3600_000} h away`)
    eta = input.eta
  }
  let towedToDealerId: string | null = null
  if (to === 'towed') {
    towedToDealerId = input.towedTo ?? actor.dealerId
    if (towedToDealerId !== null && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(towedToDealerId)) throw invalid(`${what}: towedTo ${JSON.stringify(towedToDealerId)} is not a dealer id`)
  }
  let outcome: RescueOutcome | null = null
  if (to === 'closed') {
    if (input.outcome === undefined) throw invalid(`${what}: closed needs an outcome (${RESCUE_OUTCOMES.join(', ')})`)
    if (!(RESCUE_OUTCOMES as readonly string[]).includes(input.outcome)) throw invalid(`${what}: outcome '${input.outcome}' is not one of ${RESCUE_OUTCOMES.join(', ')}`)
    outcome = input.outcome as RescueOutcome
  }
  let cancelReason: string | null = null
  if (to === 'cancelled') {
    cancelReason = input.reason?.trim() ?? ''
    if (cancelReason === '') throw invalid(`${what}: cancelled needs a reason (the dealers that were offered it read it)`)
    if (cancelReason.length > REASON_MAX) throw invalid(`${what}: reason has ${cancelReason.length} characters; at most ${REASON_MAX}`)
  }
  const note = input.note?.trim()
  if (note !== undefined && note.length > NOTE_MAX) throw invalid(`${what}: note has ${note.length} characters; at most ${NOTE_MAX}`)

  const detail: Record<string, unknown> = {}
  if (eta !== null) detail.eta = eta.toISOString()
  if (towedToDealerId !== null) detail.towedTo = towedToDealerId
  if (outcome !== null) detail.outcome = outcome
  if (cancelReason !== null) detail.reason = cancelReason
  if (note !== undefined && note !== '') detail.note = note
  return {
    to,
    from: rescueStatesBefore(to),
    dealerId: actor.dealerId,
    by: actor.name,
    eta,
    towedToDealerId,
    outcome,
    cancelReason,
    detail: Object.keys(detail).length === 0 ? null : detail
  }
}

/**
 * Why a move the guarded update matched nothing for was refused: not there
 * (or never offered to this dealer: 404, so ids do not leak), accepted by
 * another dealer (the loser of a race: 409 PITWALL_ERR_RESCUE_TAKEN), or not
 * a forward move from where the rescue is (409).
 */
export function refusedRescueMove (id: number, standing: RescueStanding | null, move: RescueMove): PitwallError {
  const what = `rescue request ${id}`
  if (standing === null || !standing.offered) {
    return new PitwallError('PITWALL_ERR_RESCUE_UNKNOWN', move.dealerId === null ? `no ${what}` : `dealer ${move.dealerId} has no ${what}`)
  }
  if (move.dealerId !== null && standing.acceptedDealerId !== null && standing.acceptedDealerId !== move.dealerId) {
    return new PitwallError('PITWALL_ERR_RESCUE_TAKEN', move.to === 'accepted'
      ? `${what} was accepted by another dealer first; it is no longer open`
      : `${what} was accepted by another dealer; only that dealer moves it`)
  }
  if (move.dealerId !== null && standing.state === 'requested') {
    return new PitwallError('PITWALL_ERR_RESCUE_TRANSITION', `${what} is requested; accept it before moving it to ${move.to}`)
  }
  return new PitwallError('PITWALL_ERR_RESCUE_TRANSITION', `${what} is ${standing.state}; it cannot move to ${move.to} (rescues only move forward: ${MOVE_WORDS})`)
}

// ---- the dealers' copies ----------------------------------------------------------------

/** A rescue's copy is not moved through the pre-staging statuses (parts staged, repaired do not fit a rescue): 409 naming the rescue to move. */
export function refuseRescueCopy (alert: { id: number, rescueId: number | null }): void {
  if (alert.rescueId === null) return
  throw new PitwallError('PITWALL_ERR_DEALER_ALERT_TRANSITION',
    `alert ${alert.id} is a copy of rescue request ${alert.rescueId}; move the rescue instead (POST /api/v1/rescue-requests/${alert.rescueId}/transitions)`)
}

/**
 * The copies a move concerns. Accepting: the winner's copy is acknowledged,
 * every other open copy closes as taken by another dealer (by Pitwall: the
 * winner's user is not shown to its competitors). Later steps: the winner's
 * copy only, closed with the rescue. Cancelling: every copy still open, and
 * the winner's.
 */
export function copyEffects (rescue: RescueRequest, move: RescueMove, copies: readonly RescueOffer[]): CopyEffect[] {
  const base = { rescue: move.to, rescueId: rescue.id, ...move.detail }
  const effect = (c: RescueOffer, event: string, status: string, by: string, detail: Record<string, unknown>): CopyEffect =>
    ({ alertId: c.alertId, dealerId: c.dealerId, status, changed: status !== c.alertStatus, event, by, detail })
  const winner = rescue.acceptedDealerId
  if (move.to === 'accepted') {
    return copies.flatMap((c) => {
      if (c.dealerId === winner) return [effect(c, RESCUE_EVENTS.accepted, c.alertStatus === 'new' ? 'acknowledged' : c.alertStatus, move.by, base)]
      if (c.alertStatus === 'closed') return []
      return [effect(c, RESCUE_TAKEN_EVENT, 'closed', 'pitwall', { rescue: 'taken', rescueId: rescue.id, note: 'accepted by another dealer' })]
    })
  }
  if (move.to === 'cancelled') {
    return copies.filter((c) => c.alertStatus !== 'closed' || c.dealerId === winner)
      .map((c) => effect(c, RESCUE_EVENTS.cancelled, 'closed', move.by, base))
  }
  return copies.filter((c) => c.dealerId === winner)
    .map((c) => effect(c, RESCUE_EVENTS[move.to as Exclude<RescueState, 'requested' | 'accepted' | 'cancelled'>], move.to === 'closed' ? 'closed' : c.alertStatus, move.by, base))
}

// ---- what a dealer sees -------------------------------------------------------------------

/**
 * A rescue as dealer `dealerId` may see it. The accepting dealer sees all of
 * it; a dealer it was offered to (before anyone accepted, or after another
 * did) sees where and what, not the driver's phone nor another dealer's work:
 * the phone goes to the one dealer that takes the job.
 */
export function dealerView (rescue: RescueRequest, dealerId: string): RescueRequest {
  if (rescue.acceptedDealerId === dealerId) return rescue
  return { ...rescue, contactPhone: null, acceptedDealerId: null, eta: null, towedToDealerId: null, outcome: null }
}

/** The timeline as dealer `dealerId` may see it: another dealer's steps without its name or user. */
export function dealerTimeline (events: readonly RescueEvent[], dealerId: string): RescueEvent[] {
  return events.map((e) => e.dealerId === null || e.dealerId === dealerId ? e : { ...e, dealerId: null, by: 'another dealer', detail: null })
}
