/**
 * Runs the `pitwall` CLI and answers with what it printed and its exit code.
 *
 * `pitwall` is the real binary from its TypeScript source (no build needed),
 * as a user runs it: a process of its own, which pays node's start and the
 * loading of every module (about a second, more on a loaded machine).
 * `pitwallInProcess` runs the same program (gateway/cli/program.ts) in this
 * process, with what it writes to stdout and stderr and its process.exit
 * captured: for the many commands a test runs where what it checks is the
 * output and the exit code. A test file that uses it keeps at least one
 * `pitwall` run per command group, so the binary itself stays tested
 * (its entry, and that it ends instead of hanging). Not for `start` (its
 * pino logger writes to the file descriptor, past the capture) nor for what
 * is about the process itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../../gateway/cli/index.ts', import.meta.url))

export interface CliResult { stdout: string, stderr: string, code: number }

export async function pitwall (...args: string[]): Promise<CliResult> {
  return await pitwallWithEnv({}, ...args)
}

/**
 * `pitwall` with these environment variables added to the test's own. It
 * is killed after a minute: a `start` that should have refused would
 * otherwise run until the test's timeout.
 */
export async function pitwallWithEnv (env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  try {
    // decode prints a line per signal value: allow large outputs
    const { stdout, stderr } = await run(process.execPath, ['--import=tsx', cli, ...args], { maxBuffer: 64 << 20, env: { ...process.env, ...env }, timeout: 60_000 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout: string, stderr: string, code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

interface Captured { stdout: Buffer[], stderr: Buffer[] }

/** The command being run in this process, found through the async context its writes and exit come from. */
const running = new AsyncLocalStorage<Captured>()

/** process.exit called by a command run in this process: unwinds it with its code instead of ending the test. */
class Exited {
  constructor (readonly code: number) {}
}

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean

let installed = false
/**
 * Routes stdout and stderr writes made inside a command to its capture, and
 * turns its process.exit into an Exited; everything else (tap's own output)
 * goes on as before. Several commands can run side by side: each has its own.
 */
function install (): void {
  if (installed) return
  installed = true
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name]
    const write = stream.write.bind(stream) as Write
    const captured: Write = (chunk, ...rest) => {
      const into = running.getStore()
      if (into === undefined) return write(chunk, ...rest)
      into[name].push(typeof chunk === 'string' ? Buffer.from(chunk, typeof rest[0] === 'string' ? rest[0] as BufferEncoding : 'utf8') : Buffer.from(chunk))
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      if (done !== undefined) process.nextTick(done)
      return true
    }
    stream.write = captured as typeof stream.write
  }
  const exit = process.exit.bind(process)
  process.exit = ((code?: number | string | null) => {
    if (running.getStore() === undefined) return exit(code)
    throw new Exited(Number(code ?? process.exitCode ?? 0))
  }) as typeof process.exit
}

export async function pitwallInProcess (...args: string[]): Promise<CliResult> {
  install()
  // imported on first use: the test files that only spawn the binary do not load every command's modules
  const [{ pitwallProgram }, { exitWithError }] = await Promise.all([import('../../gateway/cli/program.js'), import('../../gateway/cli/output.js')])
  const into: Captured = { stdout: [], stderr: [] }
  const exitCodeBefore = process.exitCode
  const code = await running.run(into, async () => {
    try {
      try {
        await pitwallProgram().parseAsync(args, { from: 'user' })
      } catch (err) {
        if (err instanceof Exited) throw err
        // as index.ts ends the binary
        exitWithError('pitwall', err)
      }
      return 0
    } catch (err) {
      if (err instanceof Exited) return err.code
      throw err
    }
  })
  // a command that sets process.exitCode (decode's bad lines) ends the binary with it; this process must not
  const exitCode = process.exitCode
  process.exitCode = exitCodeBefore
  return {
    stdout: Buffer.concat(into.stdout).toString('utf8'),
    stderr: Buffer.concat(into.stderr).toString('utf8'),
    code: code === 0 && exitCode !== exitCodeBefore ? Number(exitCode) : code
  }
}
