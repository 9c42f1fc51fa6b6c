/**
 * Server-wide counters behind INFO stats, reset by CONFIG RESETSTAT (resetServerStats; the
 * slowlog and the keyspace are not touched, as in Redis).
 */
export class Stats {
  totalCommands = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  totalErrorReplies = 0;
  /** Socket reads and writes (INFO total_reads_processed / total_writes_processed), if counted. */
  readsProcessed = 0;
  writesProcessed = 0;
  evictedClients = 0;
  /** Peak of used_memory seen by INFO, MEMORY STATS and the cron (reset by CONFIG RESETSTAT). */
  peakMemory = 0;
  /** Error replies by their code (the first word: ERR, WRONGTYPE, ...). */
  readonly errors = new Map<string, number>();

  // instantaneous_ops_per_sec: 16 samples, as Redis's STATS_METRIC_SAMPLES.
  private samples = new Float64Array(16);
  private sampleIdx = 0;
  private lastSampleTime = 0;
  private lastSampleOps = 0;
  private lastSampleIn = 0;
  private lastSampleOut = 0;
  private inSamples = new Float64Array(16);
  private outSamples = new Float64Array(16);

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp < 0 ? msg : msg.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Takes a sample every 100 ms, as Redis's serverCron does. */
  sample(now: number): void {
    if (this.lastSampleTime === 0) {
      this.lastSampleTime = now;
      this.lastSampleOps = this.totalCommands;
      this.lastSampleIn = this.netInputBytes;
      this.lastSampleOut = this.netOutputBytes;
      return;
    }
    const dt = now - this.lastSampleTime;
    if (dt < 100) return;
    const i = this.sampleIdx;
    this.samples[i] = ((this.totalCommands - this.lastSampleOps) * 1000) / dt;
    this.inSamples[i] = ((this.netInputBytes - this.lastSampleIn) * 1000) / dt / 1024;
    this.outSamples[i] = ((this.netOutputBytes - this.lastSampleOut) * 1000) / dt / 1024;
    this.sampleIdx = (i + 1) % 16;
    this.lastSampleTime = now;
    this.lastSampleOps = this.totalCommands;
    this.lastSampleIn = this.netInputBytes;
    this.lastSampleOut = this.netOutputBytes;
  }

  private avg(a: Float64Array): number {
    let s = 0;
    for (const v of a) s += v;
    return s / a.length;
  }

  get opsPerSec(): number {
    return Math.round(this.avg(this.samples));
  }

  get inputKbps(): number {
    return this.avg(this.inSamples);
  }

  get outputKbps(): number {
    return this.avg(this.outSamples);
  }

  reset(): void {
    this.totalCommands = 0;
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.expiredKeys = 0;
    this.expiredStalePerc = 0;
    this.expiredTimeCapReached = 0;
    this.evictedKeys = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.totalErrorReplies = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.evictedClients = 0;
    this.peakMemory = 0;
    this.errors.clear();
    this.samples.fill(0);
    this.inSamples.fill(0);
    this.outSamples.fill(0);
  }
}
