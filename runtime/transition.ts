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
