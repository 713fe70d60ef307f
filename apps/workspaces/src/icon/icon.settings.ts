import { ConfigError } from '@mnemo/contracts';

/** The icon sweeper's settings, validated at start. */
export interface IconSettings {
  /** Uploads no workspace claimed are purged once this old (API.md: 24 h). */
  unclaimedRetentionMs: number;
  /** How often each replica sweeps (the DELETE is idempotent, so replicas sweeping together do no harm). */
  sweepIntervalMs: number;
}

export function loadIconSettings(env: NodeJS.ProcessEnv): IconSettings {
  const seconds = (name: string, fallback: number) => {
    const raw = env[name];
    if (!raw) return fallback * 1000;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(name, `must be a positive whole number of seconds, got "${raw}"`);
    return value * 1000;
  };
  return {
    unclaimedRetentionMs: seconds('ICON_UPLOAD_RETENTION_SECONDS', 24 * 60 * 60),
    sweepIntervalMs: seconds('ICON_SWEEP_INTERVAL_SECONDS', 10 * 60),
  };
}
