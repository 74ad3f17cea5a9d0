// Prometheus metrics (issue 3 item 7, issue 10 item 4). Every refusal is counted by reason so an
// operator can see what devices are doing wrong (DEVELOPERS.md non-negotiable 4).
import client from 'prom-client';

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const c = <T extends string>(name: string, help: string, labelNames: readonly T[]) =>
    new client.Counter<T>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    fixesReceived: c('em_fixes_received_total', 'Fixes decoded from any source', ['protocol']),
    fixesAccepted: c('em_fixes_accepted_total', 'Fixes stored as monitoring data', ['protocol']),
    refusals: c('em_refusals_total', 'Messages or fixes refused, by reason', ['reason', 'protocol']),
    // Kept fixes and events that lost a reading (speed, heading, altitude, battery, an event's detail)
    // out of range or of the wrong type: counted so that, say, a model sending battery on a 0..255
    // scale (which then never raises battery_low) shows. `field` is the wire field, from the
    // decoder's own list (src/ingest/decode/readings.ts), never text from a payload.
    readingsDropped: c(
      'em_readings_dropped_total',
      'Informational readings dropped as out of range or of the wrong type, the fix or event kept, by wire field',
      ['protocol', 'field'],
    ),
    // Kept, but flagged: a fix stored as data that decided nothing live (stale, outlier_jump), was
    // judged late from a gap (backfilled), or met a rules failure (rules_error). Not refusals.
    fixFlags: c(
      'em_fix_flags_total',
      'Fixes stored but flagged: stale, outlier_jump, backfilled, rules_error',
      ['flag'],
    ),
    eventsAccepted: c('em_device_events_accepted_total', 'Device events stored', ['type']),
    incidentChanges: c('em_incident_changes_total', 'Incident changes committed', ['kind', 'action']),
    stateConflicts: c(
      'em_state_conflicts_total',
      'Batches re-evaluated because another instance wrote a person state first (issue 8)',
      [],
    ),
    stateDeferrals: c(
      'em_state_deferrals_total',
      'Messages held for the next batch because another instance held their person at that moment (issue 8)',
      [],
    ),
    deadLetterDrops: c(
      'em_dead_letters_not_kept_total',
      'Dead letters not kept because the table was full',
      [],
    ),
    queueDepth: new client.Gauge({
      name: 'em_pipeline_queue_depth',
      help: 'Messages waiting for the pipeline',
      registers: [registry],
    }),
    invalidZones: new client.Gauge({
      name: 'em_directory_invalid_zones',
      help: 'Stored zones the last directory load could not compile, left out of the rules (logged with their ids)',
      registers: [registry],
    }),
    timerPeople: new client.Gauge({
      name: 'em_timer_people_per_tick',
      help: 'People the last clock tick evaluated (timers due, plus the sweep after a start or directory change)',
      registers: [registry],
    }),
    batchCommitSeconds: new client.Histogram({
      name: 'em_batch_commit_seconds',
      help: 'Time to evaluate and commit one pipeline batch',
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ingestLagSeconds: new client.Histogram({
      name: 'em_ingest_lag_seconds',
      help: 'Commit time minus fix time',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
      registers: [registry],
    }),
    dependencyUp: new client.Gauge({
      name: 'em_dependency_up',
      help: '1 when a dependency answered its last readiness check',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    dependencyOutages: c(
      'em_dependency_outages_total',
      'Times a dependency became unreachable (database, broker, state)',
      ['dependency'],
    ),
    dependencyDowntime: c(
      'em_dependency_downtime_seconds_total',
      'Seconds a dependency was unreachable, added when it returns',
      ['dependency'],
    ),
    commitRetries: c('em_batch_commit_retries_total', 'Batch commits retried after a transient failure', []),
    stateFileProblems: c(
      'em_state_file_problems_total',
      'Person state file (single instance without Redis): unreadable at start (moved aside), or a save that failed',
      ['problem'],
    ),
    brokerUnacked: new client.Gauge({
      name: 'em_mqtt_unacknowledged_messages',
      help: 'Messages received from the broker and not yet acknowledged (held until committed)',
      registers: [registry],
    }),
    ingestLagMaxSeconds: new client.Gauge({
      name: 'em_ingest_lag_max_seconds',
      help: 'Largest commit time minus fix time in the last committed batch (caught up when small)',
      registers: [registry],
    }),
    wsSlowConsumerCloses: c(
      'em_ws_slow_consumer_closes_total',
      'Console connections closed because they fell too far behind (they resume by cursor)',
      [],
    ),
    wsConnections: new client.Gauge({
      name: 'em_ws_connections',
      help: 'Open console WebSocket connections',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
