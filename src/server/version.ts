/** The Redis version Nodis answers as (HELLO, INFO redis_version): the one it is compatible with. */
export const NODIS_VERSION = '7.0.15';
/** Nodis's own version, shown in the banner and INFO. */
export const NODIS_OWN_VERSION = '0.1.0';
