/**
 * The gateway as a separate process (`pitwall start`), for tests that kill
 * it the way a crash or an OOM kill would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../runtime/free-port.js'
import { endsWithUs } from '../../bench/e2e/ends-with-us.js'

const CLI = fileURLToPath(new URL('../../gateway/cli/index.ts', import.meta.url))

export interface GatewayProcess {
  child: ChildProcess
  mqttPort: number
  kill (): Promise<void>
}

/** `env`: more settings by their environment variables (gateway/config.ts ENV_NAMES); `flags`: more `pitwall start` flags. */
export async function spawnGateway (databaseUrl: string, port?: number, env: Readonly<Record<string, string>> = {}, flags: readonly string[] = []): Promise<GatewayProcess> {
  const mqttPort = port ?? await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start',
    '--database-url', databaseUrl, '--mqtt-port', String(mqttPort), '--http-port', '0', '--log-level', 'info', ...flags], {
    env: { ...process.env, PITWALL_MQTT_HOST: '127.0.0.1', PITWALL_HTTP_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  endsWithUs(child)
  const listening = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string, mqttPort?: number }
        if (entry.msg === 'pitwall gateway listening' && typeof entry.mqttPort === 'number') resolve(entry.mqttPort)
      } catch {}
    })
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code ?? 'a signal'} before listening`)))
  })
  return {
    child,
    mqttPort: listening,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
  }
}
