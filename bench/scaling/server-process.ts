/**
 * The brokers under test as child processes, each with its inspector on a
 * loopback port for the memory probe: `pitwall start` (the built CLI, as
 * production runs it) and the raw-aedes baseline (bench/e2e/raw-aedes.ts).
 *
 * Each is started through `sh -c 'ulimit -n <hard>; exec node ...'`: the
 * soft open-files limit is raised to the hard one (10,000 connections need
 * 10,000 descriptors), and exec keeps the PID, so /proc/<pid> is Node's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort } from '../../runtime/free-port.js'
import { fileURLToPath } from 'node:url'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { MemoryProbe, openFilesLimit } from './memory-probe.js'
import { endsWithUs } from '../e2e/ends-with-us.js'

const CLI = fileURLToPath(new URL('../../gateway/cli/index.js', import.meta.url))
const RAW_AEDES = fileURLToPath(new URL('../e2e/raw-aedes.js', import.meta.url))
const START_TIMEOUT_MS = 30_000

export interface ServerProcess {
  pid: number
  mqttPort: number
  /** soft limit on open files the server runs with */
  openFiles: number
  probe: MemoryProbe
  /** SIGTERM, then SIGKILL after 5 s */
  stop (): Promise<void>
}

const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"'

function spawnInspected (args: string[], env: NodeJS.ProcessEnv, ipc: boolean): ChildProcess {
  return endsWithUs(spawn('sh', ['-c', RAISE_FD_LIMIT, process.execPath, '--inspect=127.0.0.1:0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])]
  }))
}

/** Resolves with the inspector's ws:// URL; keeps the last stderr lines for error messages. */
function inspectorUrl (child: ChildProcess, stderrTail: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1]
        if (url !== undefined) resolve(url)
        else if (line.trim() !== '' && !line.includes('For help, see') && !line.includes('Debugger attached')) {
          stderrTail.push(line)
          if (stderrTail.length > 20) stderrTail.shift()
        }
      }
    })
    child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before its inspector listened: ${stderrTail.join(' | ')}`)))
  })
}

/** Resolves once `port` accepts TCP connections. */
async function accepting (port: number, child: ChildProcess, deadline: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before listening`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`not listening on ${port} after ${START_TIMEOUT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function stopper (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

async function finish (child: ChildProcess, stderrTail: string[], mqttPort: Promise<number>, what: string): Promise<ServerProcess> {
  // awaited below; this only keeps a rejection that comes after another failure from going unhandled
  mqttPort.catch(() => {})
  try {
    const url = await inspectorUrl(child, stderrTail)
    const port = await mqttPort
    const pid = child.pid as number
    const probe = await MemoryProbe.attach(pid, url)
    return {
      pid,
      mqttPort: port,
      openFiles: openFilesLimit(pid),
      probe,
      stop: async () => {
        probe.close()
        await stopper(child)
      }
    }
  } catch (err) {
    await stopper(child)
    throw new Error(`bench: ${what} ${(err as Error).message}${stderrTail.length > 0 ? ` (stderr: ${stderrTail.join(' | ')})` : ''}`)
  }
}

/**
 * `pitwall start` on `databaseUrl` with the demo vehicle's DBC (so a batch
 * goes through CAN decode, rules and storage), logging warnings only.
 */
export async function startPitwall (databaseUrl: string): Promise<ServerProcess> {
  const mqttPort = await freePort()
  const child = spawnInspected([CLI, 'start', '--database-url', databaseUrl, '--mqtt-port', String(mqttPort), '--http-port', '0',
    '--can-dbc', `0=${DEMO_DBC_FILE}`, '--log-level', 'warn'], { ...process.env, PITWALL_MQTT_HOST: '127.0.0.1', PITWALL_HTTP_HOST: '127.0.0.1' }, false)
  const stderrTail: string[] = []
  // warnings are rare (a refused connection); keep the last few for a failure message
  child.stdout?.on('data', (chunk: Buffer) => {
    stderrTail.push(chunk.toString('utf8').trim().slice(0, 300))
    if (stderrTail.length > 20) stderrTail.shift()
  })
  return await finish(child, stderrTail, accepting(mqttPort, child, Date.now() + START_TIMEOUT_MS).then(() => mqttPort), 'pitwall start')
}

/** The raw-aedes baseline of the throughput bench, which reports its port over IPC. */
export async function startRawAedes (): Promise<ServerProcess> {
  const child = spawnInspected([RAW_AEDES], process.env, true)
  child.stdout?.resume()
  const stderrTail: string[] = []
  const port = new Promise<number>((resolve, reject) => {
    child.on('message', (m: { type?: string, port?: number }) => { if (m.type === 'listening' && typeof m.port === 'number') resolve(m.port) })
    child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before listening`)))
    setTimeout(() => reject(new Error(`not listening after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS).unref()
  })
  return await finish(child, stderrTail, port, 'raw aedes')
}
