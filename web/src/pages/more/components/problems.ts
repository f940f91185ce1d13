/**
 * Where an API refusal belongs in a form: the message names the field
 * ("body.vin …", "campaign x: waves[1] = 0.5 does not grow …; name is
 * empty"), so each part is shown beside the input it is about, and what
 * matches no input above the form.
 */
export type FieldProblems<F extends string> = Partial<Record<F | 'form', string[]>>

/** `fields`: each input's name and a pattern its problems start with or contain. */
export function placeProblems<F extends string> (message: string, fields: ReadonlyArray<readonly [F, RegExp]>): FieldProblems<F> {
  const placed: FieldProblems<F> = {}
  // a policy lists several problems after "<what> <id>: ", separated by "; "
  const body = message.replace(/^campaign [^:]+: /, '')
  for (const part of body.split('; ')) {
    const field = fields.find(([, pattern]) => pattern.test(part))?.[0] ?? 'form'
    ;(placed[field] ??= []).push(part)
  }
  return placed
}
