import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError, type MnemoConfig } from '@mnemo/contracts';

/** The audit log's settings, validated at start beside the common config. */
export interface AuditSettings {
  /** Ed25519 key pair from AUDIT_SIGNING_KEY (a 32-byte seed): signs checkpoints; never in the database. */
  signingKey: KeyObject;
  verifyKey: KeyObject;
  /** A chain is checkpointed after this many records … */
  checkpointEveryRecords: number;
  /** … or this long after its last checkpoint, whichever comes first (DESIGN.md: 1,000 records or 60 s). */
  checkpointIntervalMs: number;
  /** Refused attempts after the first of an (actor, space) pair in one window are summarised when it closes. */
  refusalWindowMs: number;
}

// PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(name, `must be a positive integer, got "${raw}"`);
  return value;
}

export function loadAuditSettings(config: Pick<MnemoConfig, 'auditSigningKey'>, env: NodeJS.ProcessEnv): AuditSettings {
  if (!config.auditSigningKey) {
    throw new ConfigError('AUDIT_SIGNING_KEY', 'is required by the memory service (32 random bytes, base64): it signs the audit checkpoints');
  }
  const signingKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(config.auditSigningKey, 'base64')]), format: 'der', type: 'pkcs8' });
  return {
    signingKey,
    verifyKey: createPublicKey(signingKey),
    checkpointEveryRecords: positiveInt(env, 'AUDIT_CHECKPOINT_RECORDS', 1000),
    checkpointIntervalMs: positiveInt(env, 'AUDIT_CHECKPOINT_INTERVAL_MS', 60_000),
    refusalWindowMs: positiveInt(env, 'AUDIT_REFUSAL_WINDOW_MS', 60_000),
  };
}

export const AUDIT_SETTINGS = Symbol('AUDIT_SETTINGS');
