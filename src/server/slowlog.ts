/** One SLOWLOG entry, as Redis keeps it. */
export interface SlowLogEntry {
  id: number;
  time: number; // unix seconds
  micros: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

export class SlowLog {
  entries: SlowLogEntry[] = []; // newest first
  private nextId = 0;

  /** Records a command if it ran at least `threshold` µs (negative threshold: never). */
  maybeAdd(threshold: number, maxLen: number, micros: number, argv: string[], addr: string, name: string): void {
    if (threshold < 0 || micros < threshold) return;
    const args: string[] = [];
    const argc = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < argc; i++) {
      if (argc !== argv.length && i === argc - 1) {
        args.push(`... (${argv.length - argc + 1} more arguments)`);
        break;
      }
      const a = argv[i]!;
      args.push(a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), micros: Math.floor(micros), argv: args, addr, name });
    this.trim(maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
