/**
 * Runs the real `pitwall` CLI from its TypeScript source (no build needed)
 * as a user would, and answers with what it printed and its exit code.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../../gateway/cli/index.ts', import.meta.url))

export interface CliResult { stdout: string, stderr: string, code: number }

export async function pitwall (...args: string[]): Promise<CliResult> {
  try {
    // decode prints a line per signal value: allow large outputs
    const { stdout, stderr } = await run(process.execPath, ['--import=tsx', cli, ...args], { maxBuffer: 64 << 20 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout: string, stderr: string, code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}
