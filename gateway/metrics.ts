/**
 * Prometheus metrics of one gateway instance (own registry, so several
 * gateways in one process, as in tests, do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ActionBacklog } from '../storage/backlog.js'
import type { BatchWriterOptions } from '../storage/batch-writer.js'
import type { ProjectorOptions } from '../storage/projector.js'

export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // the projector is made with storage, after the metrics: its gauges read it through this when scraped
  const projection: { source: { lagMs: number, pendingBatches: number } | undefined } = { source: undefined }
  const m = {
    registry,
    projection,
    connections: new Gauge({ name: 'pitwall_mqtt_connected_vehicles', help: 'Vehicles connected now', registers: [registry] }),
    sseClients: new Gauge({ name: 'pitwall_sse_clients', help: 'Server-Sent Events streams open now, by stream (events: fleet events; live: a vehicle\'s signals)', labelNames: ['stream'], registers: [registry] }),
    sseDropped: new Counter({ name: 'pitwall_sse_dropped_total', help: 'SSE clients dropped for reading slower than their events came (their buffer was full)', labelNames: ['stream'], registers: [registry] }),
    authFailures: new Counter({ name: 'pitwall_mqtt_auth_failures_total', help: 'Refused MQTT connections', labelNames: ['reason'], registers: [registry] }),
    authThrottled: new Counter({
      name: 'pitwall_auth_throttled_total',
      help: 'Authentication attempts refused unchecked because their source address (or VIN) failed too often lately, by listener (mqtt, api) and key (source, vin)',
      labelNames: ['listener', 'by'],
      registers: [registry]
    }),
    tlsReloads: new Counter({ name: 'pitwall_tls_reloads_total', help: 'Changed TLS files: loaded, or refused (the previous certificate stays in use)', labelNames: ['outcome'], registers: [registry] }),
    tlsHandshakeFailures: new Counter({ name: 'pitwall_tls_handshake_failures_total', help: 'TLS handshakes that failed or timed out (MQTT over TLS)', registers: [registry] }),
    tlsCertificateExpiry: new Gauge({ name: 'pitwall_tls_certificate_expiry_timestamp_seconds', help: 'When the server certificate in use expires (Unix time)', registers: [registry] }),
    unauthenticatedConnections: new Gauge({ name: 'pitwall_mqtt_unauthenticated_connections', help: 'Connections open now that have not authenticated yet (capped: PITWALL_MAX_UNAUTHENTICATED_*)', registers: [registry] }),
    ingestThrottled: new Counter({ name: 'pitwall_ingest_throttled_total', help: 'Times a vehicle\'s socket was paused for going over its ingest rate, by the limit it went over (batches or bytes)', labelNames: ['limit'], registers: [registry] }),
    ingestInflight: new Gauge({ name: 'pitwall_ingest_inflight_publishes', help: 'PUBLISHes read from vehicles whose PUBACK waits for storage: what the gateway holds for them now', registers: [registry] }),
    ingestInflightFull: new Counter({ name: 'pitwall_ingest_inflight_full_total', help: 'Times a vehicle\'s socket was paused for having PITWALL_VEHICLE_MAX_INFLIGHT PUBLISHes awaiting their PUBACK (storage slower than it publishes)', registers: [registry] }),
    ingestThrottledSeconds: new Counter({ name: 'pitwall_ingest_throttled_seconds_total', help: 'Seconds vehicles\' sockets were paused for going over their ingest rate, summed over vehicles', registers: [registry] }),
    aclDenials: new Counter({ name: 'pitwall_mqtt_acl_denials_total', help: 'Publishes and subscriptions refused by the topic ACL', labelNames: ['operation'], registers: [registry] }),
    batches: new Counter({ name: 'pitwall_batches_total', help: 'Telemetry batches by outcome', labelNames: ['outcome'], registers: [registry] }),
    canFrames: new Counter({ name: 'pitwall_can_frames_total', help: 'CAN frames in stored batches', registers: [registry] }),
    canSignals: new Counter({ name: 'pitwall_can_signals_decoded_total', help: 'Signal values decoded from CAN frames of stored batches (before storage thinning)', registers: [registry] }),
    unknownCanFrames: new Counter({ name: 'pitwall_can_frames_unknown_total', help: 'CAN frames of stored batches whose id their decoder manifest\'s DBCs do not describe', registers: [registry] }),
    batchesWithoutManifest: new Counter({
      name: 'pitwall_batches_without_manifest_total',
      help: 'Stored batches with CAN frames whose vehicle model has no active decoder manifest (and no --can-dbc default): archived raw only, by model',
      labelNames: ['model'],
      registers: [registry]
    }),
    manifestsActive: new Gauge({ name: 'pitwall_decoder_manifests_active', help: 'Decoder manifests this gateway decodes with (active per model, plus the --can-dbc default)', registers: [registry] }),
    manifestReloadFailures: new Counter({ name: 'pitwall_decoder_manifest_reload_failures_total', help: 'Manifest reloads that failed (the manifests in force stay)', registers: [registry] }),
    faultEvents: new Counter({ name: 'pitwall_fault_events_total', help: 'Fault transitions (opened, reoccurred, cleared) raised by the rules', registers: [registry] }),
    samples: new Counter({ name: 'pitwall_signal_samples_total', help: 'Decoded signal samples written (by the projector, after the batch\'s PUBACK)', registers: [registry] }),
    deadLetters: new Counter({ name: 'pitwall_dead_letters_total', help: 'Payloads refused and dead-lettered, by reason code', labelNames: ['code'], registers: [registry] }),
    samplesRejected: new Counter({
      name: 'pitwall_samples_rejected_total',
      help: 'Decoded values of stored batches left out of the rows and the rules (kept in the raw batch), by source (edge, can, obd, gnss) and reason (non_finite, out_of_range, unknown_signal, not_applicable)',
      labelNames: ['source', 'reason'],
      registers: [registry]
    }),
    undecodedObd: new Counter({ name: 'pitwall_undecoded_obd_total', help: 'OBD-II responses kept raw only (PID not mapped)', registers: [registry] }),
    pubackLatency: new Histogram({
      name: 'pitwall_puback_latency_seconds',
      help: 'Telemetry PUBLISH received to PUBACK released (decode + durable commit)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    commitDuration: new Histogram({
      name: 'pitwall_storage_commit_seconds',
      help: 'Duration of one group commit',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry]
    }),
    groupSize: new Histogram({ name: 'pitwall_storage_group_items', help: 'Items per group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000], registers: [registry] }),
    storageErrors: new Counter({ name: 'pitwall_storage_errors_total', help: 'Failed commit attempts (retried when transient)', registers: [registry] }),
    writerDepth: new Gauge({ name: 'pitwall_storage_queue_items', help: 'Items waiting for a commit', registers: [registry] }),
    heldVehicles: new Gauge({ name: 'pitwall_storage_held_vehicles', help: 'Vehicles whose batches the database refuses for now (a full disk) while it takes the others\': no PUBACK until they are stored, retried on their own', registers: [registry] }),
    projectionPending: new Gauge({
      name: 'pitwall_projection_pending_batches',
      help: 'Stored batches whose decoded rows wait to be written (off the PUBACK path)',
      registers: [registry],
      collect () { this.set(projection.source?.pendingBatches ?? 0) }
    }),
    projectionLag: new Gauge({
      name: 'pitwall_projection_lag_seconds',
      help: 'How long the oldest stored batch has waited for its decoded rows to be written',
      registers: [registry],
      collect () { this.set((projection.source?.lagMs ?? 0) / 1000) }
    }),
    projectionDuration: new Histogram({
      name: 'pitwall_projection_group_seconds',
      help: 'Time to write one group of decoded rows (samples, GNSS fixes, DTC rows)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    projectionRefused: new Counter({ name: 'pitwall_projection_refused_total', help: 'Stored batches whose decoded rows the database refused for good (kept raw, the reason in batches.projection_error)', registers: [registry] }),
    projectionRecovered: new Counter({ name: 'pitwall_projection_recovered_total', help: 'Stored batches found unprojected (a node stopped before writing their rows) and decoded again from the archive', registers: [registry] }),
    rollupMarks: new Counter({ name: 'pitwall_signal_rollup_marks_total', help: 'Marks (a stored batch and minute) the signal rollup took in on this node', registers: [registry] }),
    rollupMinutes: new Counter({ name: 'pitwall_signal_rollup_minutes_total', help: 'Vehicle, signal and minute rows the signal rollup recomputed on this node (TimescaleDB: minutes of its continuous aggregate refreshed, each for every vehicle)', registers: [registry] }),
    partitionsCreated: new Counter({ name: 'pitwall_partitions_created_total', help: 'Daily partitions this node created (ahead of time, or for rows waiting in a DEFAULT partition)', labelNames: ['table'] as const, registers: [registry] }),
    partitionsDropped: new Counter({ name: 'pitwall_partitions_dropped_total', help: 'Partitions (or TimescaleDB chunks) this node dropped for being older than their retention', labelNames: ['table'] as const, registers: [registry] }),
    partitionFailures: new Counter({ name: 'pitwall_partition_failures_total', help: 'Partition changes that failed (PITWALL_ERR_PARTITION; retried next pass, rows go to the DEFAULT partition meanwhile)', labelNames: ['table'] as const, registers: [registry] }),
    expiredStrayRows: new Counter({ name: 'pitwall_retention_stray_rows_deleted_total', help: 'Rows deleted from DEFAULT partitions for being older than their retention (a backlog that arrived already expired)', registers: [registry] })
  }
  return m
}

export type Metrics = ReturnType<typeof createMetrics>

/**
 * Gauges of the actions layer's backlog, read from storage when Prometheus
 * scrapes (one query per scrape, shared by the gauges). A failed read keeps
 * the last values and is logged: the scrape itself must not fail with the
 * database, or the operator loses every other metric exactly when it matters.
 */
export function registerBacklogGauges (registry: Registry, read: () => Promise<ActionBacklog>, onError: (err: Error) => void): void {
  let current: { at: number, backlog: Promise<ActionBacklog | undefined> } | undefined
  const backlog = async (): Promise<ActionBacklog | undefined> => {
    // the gauges of one scrape are collected one after another: they share a read
    if (current === undefined || Date.now() - current.at > 1000) {
      current = { at: Date.now(), backlog: read().catch((err: Error) => { onError(err); return undefined }) }
    }
    return await current.backlog
  }
  const gauge = (name: string, help: string, set: (g: Gauge, b: ActionBacklog) => void, labelNames: string[] = []): void => {
    const g: Gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect () {
        const b = await backlog()
        if (b !== undefined) set(g, b)
      }
    })
  }
  gauge('pitwall_fault_actions_pending', 'Fault actions (remote fix, dealer pre-staging, rescue) not yet handled', (g, b) => g.set(b.faultActionsPending))
  gauge('pitwall_fault_actions_retrying', 'Pending fault actions that failed at least once and wait for a retry', (g, b) => g.set(b.faultActionsRetrying))
  gauge('pitwall_commands_open', 'Commands not yet finished, by state (pending_approval waits for an engineer)',
    (g, b) => { for (const [state, n] of Object.entries(b.commands)) g.set({ state }, n) }, ['state'])
  gauge('pitwall_webhook_deliveries_pending', 'Dealer webhook deliveries waiting to be sent or retried', (g, b) => g.set(b.webhooksPending))
  gauge('pitwall_webhook_dead_letters', 'Dealer webhook deliveries given up after their last attempt (retry them through the API)', (g, b) => g.set(b.webhookDeadLetters))
  gauge('pitwall_campaigns', 'Campaigns by state', (g, b) => { for (const [state, n] of Object.entries(b.campaigns)) g.set({ state }, n) }, ['state'])
}

/** The projector's hooks: its metrics, and a log line for each failure. */
export function projectorMetrics (metrics: Metrics, log: { error: (obj: object, msg: string) => void }): Pick<ProjectorOptions, 'onCommit' | 'onError' | 'onRefused'> {
  return {
    onCommit: (s) => {
      metrics.projectionDuration.observe(s.durationMs / 1000)
      metrics.samples.inc(s.samples)
    },
    onError: (err, attempt, batches) => {
      metrics.storageErrors.inc()
      log.error({ err: err.message, attempt, batches }, 'decoded rows not written; retrying')
    },
    onRefused: (vehicleId, seq, err) => {
      metrics.projectionRefused.inc()
      log.error({ vehicleId, seq, err: err.message }, 'the database refused a batch\'s decoded rows: kept raw only (batches.projection_error)')
    }
  }
}

/** The batch writer's hooks that feed the storage metrics and log each failed commit. */
export function writerMetrics (metrics: Metrics, log: { error: (obj: object, msg: string) => void, info: (obj: object, msg: string) => void }): Pick<BatchWriterOptions, 'onCommit' | 'onError' | 'onHeld' | 'onReleased'> {
  return {
    onCommit: (s) => {
      metrics.commitDuration.observe(s.durationMs / 1000)
      metrics.groupSize.observe(s.items)
      metrics.writerDepth.set(s.queued)
    },
    onError: (err, attempt, groupSize) => {
      metrics.storageErrors.inc()
      log.error({ err: err.message, attempt, groupSize }, 'group commit failed')
    },
    onHeld: (vehicleId, items, err) => {
      metrics.heldVehicles.inc()
      log.error({ vehicleId, items, err: err.message, code: (err as { code?: unknown }).code },
        vehicleId === undefined
          ? 'the database refuses dead letters for now while it takes batches; retried on their own'
          : 'the database refuses this vehicle\'s batches for now while it takes the others\': no PUBACK until they are stored, retried on their own')
    },
    onReleased: (vehicleId) => {
      metrics.heldVehicles.dec()
      log.info({ vehicleId }, 'held batches stored and acknowledged')
    }
  }
}
