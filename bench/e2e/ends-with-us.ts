/**
 * A child process (a gateway, a private PostgreSQL or Redis) that must not
 * outlive the process that started it. tap ends a test file that runs past
 * its timeout with SIGALRM and then process.exit, which runs 'exit'
 * listeners but no finally blocks, so without this its servers run on and
 * hold ports and memory for the rest of the suite. Only a SIGKILL of this
 * process escapes it; nothing in-process can catch that.
 */
import type { ChildProcess } from 'node:child_process'

/** `signal`: what ends it at once; SIGKILL unless the server has a quicker clean exit (PostgreSQL's SIGQUIT). */
export function endsWithUs<T extends ChildProcess> (child: T, signal: NodeJS.Signals = 'SIGKILL'): T {
  const end = (): void => { child.kill(signal) }
  process.once('exit', end)
  child.once('exit', () => process.off('exit', end))
  return child
}
