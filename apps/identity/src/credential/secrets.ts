import { createHash } from 'node:crypto';
import argon2 from 'argon2';
import type { IdentitySettings } from '../identity.settings';

/** SHA-256 of a credential or token: the only form in which identity stores them. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** argon2id with the configured cost. */
export class PasswordHasher {
  private dummy?: Promise<string>;

  constructor(private readonly settings: IdentitySettings) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.settings.argon2 });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the same work as a real check, so an unknown email takes as long as a wrong password. */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= this.hash('no-such-user-password');
    await this.verify(await this.dummy, password);
    return false;
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
