/** What a config-derived value reads: its numbers, and the generation Config bumps on every change. */
export interface GenerationalConfig {
  int(name: string): number;
  readonly generation?: number;
}

/**
 * A value derived from the config that hot paths read on every command (the listpack limits of
 * HSET and ZADD): computed again only when the config's generation moved or another config is
 * asked. A config without a generation (a test's stand-in) gets a fresh value every time.
 */
export function cachedByGeneration<T>(compute: (config: GenerationalConfig) => T): (config: GenerationalConfig) => T {
  let value: T | undefined;
  let cachedFor: object | null = null;
  let cachedGeneration = -1;
  return (config) => {
    const gen = config.generation;
    if (gen === undefined) return compute(config);
    if (cachedFor !== config || cachedGeneration !== gen || value === undefined) {
      value = compute(config);
      cachedFor = config;
      cachedGeneration = gen;
    }
    return value;
  };
}
