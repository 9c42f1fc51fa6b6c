/** An error in a config file line or a CONFIG SET argument, with Redis's reason text. */
export class ConfigError extends Error {}
