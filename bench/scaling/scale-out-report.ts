/** ScaleOutResult -> the scale-out section of bench/RESULTS.md: each configuration against 1 node without Redis, in the same run. */
import type { StepResult } from '../e2e/throughput-model.js'
import { notHeldText, perThousand } from '../e2e/throughput-report.js'
import type { ConnectionPhase, ConnectionSpreadResult } from './scale-out-connections.js'
import { perVehicle } from './scale-out-connections.js'
import type { ConfigurationResult, ScaleOutResult } from './scale-out.js'

const int = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'))
const ms = (x: number | undefined): string => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1))
const cpuMs = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(1))
const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}×`)
const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${Math.round(x)} %`)
const signed = (x: number | undefined, format: (v: number) => string): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x >= 0 ? '+' : '−'}${format(Math.abs(x))}`)
const of = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b)

/** CPU ms per 1,000 batches acknowledged in a step: the gateways (summed), PostgreSQL, Redis, and the three together. */
export function cpuPerThousandBatches (s: StepResult | undefined): { gateways?: number, database?: number, redis?: number, total?: number } {
  const gateways = perThousand(s?.targetCpuPct, s?.acceptedPerS)
  const database = perThousand(s?.databaseCpuPct, s?.acceptedPerS)
  const redis = perThousand(s?.redisCpuPct, s?.acceptedPerS)
  const parts = [gateways, database, redis].filter((x): x is number => x !== undefined)
  return {
    ...(gateways === undefined ? {} : { gateways }),
    ...(database === undefined ? {} : { database }),
    ...(redis === undefined ? {} : { redis }),
    ...(gateways === undefined ? {} : { total: parts.reduce((a, b) => a + b, 0) })
  }
}

/**
 * A configuration's maximum against 1 node's: the whole cluster's, and per
 * node (the cluster's over its node count): 1.00× per node would be nodes
 * adding capacity as they come; on shared cores it falls as 1 / nodes.
 */
export function maxAgainstOneNode (c: ConfigurationResult, one: ConfigurationResult | undefined): { cluster?: number, perNode?: number } {
  const cluster = c.maxQos1PerS === 0 ? undefined : of(c.maxQos1PerS, one?.maxQos1PerS)
  return cluster === undefined ? {} : { cluster, perNode: cluster / c.nodes }
}

const usable = (c: ConfigurationResult): boolean => c.error === undefined && c.maxQos1PerS !== undefined

function maxTable (r: ScaleOutResult, one: ConfigurationResult | undefined): string {
  const rows = r.configurations.map((c) => {
    if (!usable(c)) return `| ${c.label} | failed: ${c.error ?? 'no result'} | | | | | | ${c.elapsedS} |`
    const against = maxAgainstOneNode(c, one)
    const runs = c.atMax?.runs
    const held = (runs === undefined ? '' : ` (${runs.map((x) => int(x.acceptedPerS)).join(', ')})`) + notHeldText(c.notHeld)
    const max = c.maxQos1PerS === 0 ? `none: the lowest step (${int(c.search?.[0]?.offeredPerS)}/s) failed` : `${c.maxIsLowerBound === true ? '≥ ' : ''}${int(c.maxQos1PerS)}${held}${c.maxCappedByGenerator === true ? ' (capped by the generator)' : ''}`
    return `| ${c.label} | ${(c.vehiclesPerNode ?? []).join(' / ')} | ${max} | ` +
      `${ratio(against.cluster)} | ${ratio(against.perNode)} | ${int(c.saturatedPerS)} | ${c.loss === undefined ? 'n/a' : `${c.loss.lost} of ${int(c.loss.checked)}`} | ${c.elapsedS} |`
  })
  return ['| configuration | vehicles per node | max QoS 1 batches/s (runs at that step) | vs 1 node | per node vs 1 node | accepted/s when overloaded | acknowledged batches missing | s |',
    '|---|---|---:|---:|---:|---:|---:|---:|', ...rows].join('\n')
}

function commonTable (r: ScaleOutResult, one: ConfigurationResult | undefined): string {
  const base = cpuPerThousandBatches(one?.common)
  const rows = r.configurations.filter((c) => c.common !== undefined).map((c) => {
    const s = c.common as StepResult
    const cpu = cpuPerThousandBatches(s)
    return `| ${c.label} | ${int(s.acceptedPerS)} | ${ms(s.latencyMs?.p50)} | ${ms(s.latencyMs?.p99)} | ${ratio(of(s.latencyMs?.p99, one?.common?.latencyMs?.p99))} | ` +
      `${cpuMs(cpu.gateways)} | ${cpuMs(cpu.database)} | ${cpuMs(cpu.redis)} | ${cpuMs(cpu.total)} | ${ratio(of(cpu.total, base.total))} | ` +
      `${pct(s.targetCpuPct)} | ${pct(s.generatorCpuPct)} | ${(c.rssPerNodeMiB ?? []).join(' / ')} |`
  })
  return ['| configuration | accepted/s | p50 ms | p99 ms | p99 vs 1 node | CPU ms per 1,000 batches: gateways | PostgreSQL | Redis | all three | vs 1 node | gateways CPU | generator CPU | RSS MiB per node |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n')
}

function stepsTable (r: ScaleOutResult): string {
  const rows = r.configurations.flatMap((c) => (c.search ?? []).map((s) =>
    `| ${c.label} | ${int(s.offeredPerS)} | ${int(s.acceptedPerS)} | ${ms(s.latencyMs?.p50)} | ${ms(s.latencyMs?.p99)} | ${pct(s.targetCpuPct)} | ${pct(s.databaseCpuPct)} | ${pct(s.redisCpuPct)} | ${pct(s.generatorCpuPct)} | ${s.errors} | ${s.passed ? 'pass' : 'fail'}${s.cappedByGenerator ? ' (capped by the generator)' : ''} |`))
  return ['| configuration | offered/s | accepted/s | p50 ms | p99 ms | gateways CPU | PostgreSQL CPU | Redis CPU | generator CPU | errors | verdict |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n')
}

/** "publish 12, hset 3": a phase's or a run's commands, most first. */
function named (commands: Record<string, number>): string {
  const list = Object.entries(commands).sort((a, b) => b[1] - a[1])
  return list.length === 0 ? 'none' : list.map(([name, n]) => `${name} ${int(n)}`).join(', ')
}

const total = (commands: Record<string, number>): number => Object.values(commands).reduce((a, b) => a + b, 0)

function redisPerBatch (r: ScaleOutResult): string {
  const rows = r.configurations.filter((c) => c.redisCommands !== undefined).map((c) => {
    const rc = c.redisCommands as NonNullable<ConfigurationResult['redisCommands']>
    return `| ${c.label} | ${int(rc.batches)} | ${int(total(rc.byCommand))} | ${(total(rc.byCommand) / Math.max(1, rc.batches)).toFixed(4)} | ${named(rc.byCommand)} |`
  })
  return ['| configuration | batches stored over the common-load runs | Redis commands meanwhile | per batch | which |', '|---|---:|---:|---:|---|', ...rows].join('\n')
}

function connectCost (r: ScaleOutResult): string {
  const rows = r.configurations.filter((c) => c.connect !== undefined).map((c) => {
    const x = c.connect as NonNullable<ConfigurationResult['connect']>
    const commands = x.redisCommands
    return `| ${c.label} | ${int(x.vehicles)} | ${cpuMs(x.gatewayCpuMs / x.vehicles)} | ${commands === undefined ? 'n/a' : (total(commands) / x.vehicles).toFixed(1)} | ${commands === undefined ? '' : named(commands)} |`
  })
  return ['| configuration | vehicles | gateways CPU ms per vehicle (all nodes) | Redis commands per vehicle | which |', '|---|---:|---:|---:|---|', ...rows].join('\n')
}

function redisAgainstNone (r: ScaleOutResult): string {
  const none = r.configurations.find((c) => c.nodes === 1 && !c.redis)?.common
  const withRedis = r.configurations.find((c) => c.nodes === 1 && c.redis)?.common
  if (none === undefined || withRedis === undefined) return 'One of the two 1-node runs is missing: no comparison.'
  const a = cpuPerThousandBatches(none)
  const b = cpuPerThousandBatches(withRedis)
  const diff = (x: number | undefined, y: number | undefined): number | undefined => (x === undefined || y === undefined ? undefined : y - x)
  return `1 node with Redis against 1 node without, both at ${int(r.commonLoadPerS)} batches/s: PUBACK p50 ${signed(diff(none.latencyMs?.p50, withRedis.latencyMs?.p50), ms)} ms, ` +
    `p99 ${signed(diff(none.latencyMs?.p99, withRedis.latencyMs?.p99), ms)} ms; CPU per 1,000 batches: gateway ${signed(diff(a.gateways, b.gateways), cpuMs)} ms, ` +
    `PostgreSQL ${signed(diff(a.database, b.database), cpuMs)} ms, the Redis server ${cpuMs(b.redis)} ms.${runP99s('without Redis', none)}${runP99s('with Redis', withRedis)}`
}

/** " p99 of each run without Redis: a, b ms." when the step was repeated: how far two runs of the same thing lie apart. */
function runP99s (what: string, s: StepResult): string {
  const p99s = (s.runs ?? []).flatMap((x) => x.latencyMs === undefined ? [] : [ms(x.latencyMs.p99)])
  return p99s.length < 2 ? '' : ` p99 of each run ${what}: ${p99s.join(', ')} ms.`
}

function phaseRow (name: string, p: ConnectionPhase): string {
  const cpuMsPerVehicle = (p.gatewayCpuS.reduce((a, b) => a + b, 0) * 1000) / p.vehicles
  return `| ${name} | ${int(p.vehicles)} | ${(p.ms / 1000).toFixed(1)} | ${int(p.vehicles / (p.ms / 1000))} | ${p.resumed === undefined ? '' : int(p.resumed)} | ` +
    `${p.failed === undefined ? '' : int(p.failed)} | ${cpuMs(cpuMsPerVehicle)} | ${perVehicle(p).toFixed(1)} | ${named(p.commands)} |`
}

function connectionsPart (c: ConnectionSpreadResult | { error: string }): string {
  if ('error' in c) return `Failed: ${c.error}`
  const wave = c.fleetConnect
  const nodeRows = c.perNode.map((n, i) => {
    const cpuS = wave.gatewayCpuS[i]
    return `| ${n.node} | ${int(n.vehicles)} | ${int(n.rssBeforeMiB)} | ${int(n.rssMiB)} | ${n.vehicles === 0 ? 'n/a' : (((n.rssMiB - n.rssBeforeMiB) * 1024) / n.vehicles).toFixed(1)} | ` +
      `${cpuS === undefined ? 'n/a' : cpuS.toFixed(2)} | ${cpuS === undefined || n.vehicles === 0 ? 'n/a' : cpuMs((cpuS * 1000) / n.vehicles)} |`
  })
  return `${int(c.vehicles)} vehicles connect to ${c.nodes} nodes on a fresh database, round robin, with clean sessions as in the connections
section (two load processes, 50 connections at a time each; ${int(c.vehicles + c.sample)} vehicles registered in ${(c.registerMs / 1000).toFixed(1)} s beforehand, not counted):
${int(c.open)} connected${c.firstError === undefined ? '' : ` (first failure: ${c.firstError})`} in ${(wave.ms / 1000).toFixed(1)} s, ${int(c.open / (wave.ms / 1000))} connections/s with the load processes on the same cores
(this part: ${c.elapsedS} s).
RSS is the whole node process from /proc, without a forced GC (the connections section has the careful memory figures); CPU
is each node's over the wave, whichever node the vehicle chose.

| node | vehicles (its pitwall_mqtt_connected_vehicles) | RSS MiB before | RSS MiB with the fleet | KiB per vehicle | CPU s over the wave | CPU ms per vehicle it took |
|---|---:|---:|---:|---:|---:|---:|
${nodeRows.join('\n')}

Then ${int(c.sample)} more vehicles connect as T-boxes (sim/tbox.ts's session: persistent, a retained \`offline\` will, a retained
\`online\` status and a QoS 1 subscription to its command topic on CONNACK; leaving, a retained \`offline\` status and
DISCONNECT), the fleet still connected. Redis holds ${(c.redisBytesPerCleanSession / 1024).toFixed(2)} KiB per clean-session vehicle and ${(c.redisBytesPerTboxSession / 1024).toFixed(2)} KiB per
T-box (used_memory added ÷ vehicles). Per phase, the commands Redis ran (INFO commandstats, PING and INFO left out; the
nodes' heartbeats over the phase are in, a few PUBLISHes) and the CPU of all nodes together, per vehicle:

| phase | vehicles | time s | per s | CONNACK session present | failed | gateways CPU ms per vehicle | Redis commands per vehicle | which (all vehicles) |
|---|---:|---:|---:|---:|---:|---:|---:|---|
${phaseRow('the fleet connects (clean sessions)', wave)}
${phaseRow('T-boxes connect (new sessions)', c.connect)}
${phaseRow('takeover: each connects again to another node while still connected', c.takeover)}
${phaseRow('T-boxes disconnect (offline status, DISCONNECT)', c.disconnect)}
${phaseRow('resume: they come back to a third node, sessions kept', c.resume)}`
}

export function renderScaleOut (r: ScaleOutResult): string {
  const one = r.configurations.find((c) => c.nodes === 1 && !c.redis && usable(c))
  const connections = 'error' in r.connections ? undefined : r.connections
  return `## Scale-out: 1, 2 and 3 nodes on one machine

**On ${r.cores} shared cores extra nodes show overhead, not capacity.** Every node, PostgreSQL, Redis and the load generator
run on the same ${r.cores} cores: a second or third node brings no CPU of its own, it splits the same cores and adds its own
work (its event loop, its PostgreSQL pool, its Redis connections, the notices of the other nodes). More nodes cannot add CPU
here: "per node vs 1 node" near 1 / nodes is what shared cores give, and a higher maximum with more nodes would mean that one
node's event loop, not the cores, had been the limit. What a node would add on a machine of its own is its cores for the
gateways' share of the CPU per batch below; PostgreSQL's share stays on the one database.

The end-to-end section's load: ${r.vehicles} simulated T-boxes (mqtt.js, one credential each) in ${r.workers} load-generator processes publish
the demo vehicle's batches (${r.canFramesPerBatch} CAN frames, ${int(r.payloadBytes)} bytes) at QoS 1, open loop, connected round robin over the
nodes as a TCP load balancer would. Each configuration runs \`pitwall start\` nodes (demo DBC, ${r.rules} demo rules, PUBACK after
commit) on a fresh PostgreSQL database of its own; with Redis, the nodes share ${r.redis}, under a key prefix of the configuration's own.
Per configuration: the QoS 1 search for the maximum (offered ${r.plan.ladder.join(', ')} batches/s, ${r.plan.warmupMs} ms warm-up and ${r.plan.measureMs} ms
windows, a step passing while ≥ 95 % of the offered batches are acknowledged in the window with p99 under 1 s and the nodes'
projector queues grow by at most 5 % of them (the decoded rows keeping pace); the highest
passing step run until it has ${r.plan.repeats} run${r.plan.repeats === 1 ? '' : 's'}), then, once the search's backlog is stored and projected, a common load of
${int(r.commonLoadPerS)} batches/s (half of 1 node's maximum) run ${r.plan.repeats} time${r.plan.repeats === 1 ? '' : 's'} (${r.plan.commonMs} ms windows, latencies pooled, CPU of the median
run). CPU per 1,000 batches is (% of a core) ÷ (batches/s acknowledged), read from /proc: the gateways summed over the nodes,
PostgreSQL (the database's backends and the cluster's WAL writer, checkpointer and background writer), the Redis server.
Mode: ${r.mode}; ${r.elapsedS} s.

${r.notes.map((n) => `- ${n}`).join('\n')}
- generator ceiling (closed loop against raw aedes): ${int(r.generator.qos1PerS)} QoS 1 batches/s; a figure at ≥ 90 % of it is labelled capped

### Maximum QoS 1 throughput per configuration

${maxTable(r, one)}

### At a common offered load: ${int(r.commonLoadPerS)} batches/s

${commonTable(r, one)}

### What Redis costs per batch

Telemetry never crosses Redis: a batch is decoded, judged and stored by the node that read it, and its PUBACK waits for
PostgreSQL only. Commands Redis ran over the common-load runs (INFO commandstats, PING and INFO left out: the nodes' one-a-second
liveness PINGs and the bench's own readings), against the batches the nodes stored meanwhile:

${redisPerBatch(r)}

${redisAgainstNone(r)}

What a connection costs instead: each configuration's ${r.vehicles} vehicles connecting before its search (clean sessions; each
secret's first check, a scrypt hash, included), the CPU of all its nodes from /proc and the commands Redis ran meanwhile:

${connectCost(r)}

### Connections per node${connections === undefined ? '' : ` at ${int(connections.vehicles)} vehicles on ${connections.nodes} nodes`}

${connectionsPart(r.connections)}

### Every step of the searches

${stepsTable(r)}
`
}
