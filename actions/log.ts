/** What the actions layer logs through: a pino logger's methods, without tying actions/ to pino. */
export interface ActionLog {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}
