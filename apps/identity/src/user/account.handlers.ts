import { Controller, Inject } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  IDENTITY_RPC,
  MnemoError,
  WORKSPACES_RPC,
  mintLinkToken,
  type SessionReply,
  type SignupReply,
  type SignupRequest,
  type UserResource,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import type { EntityManager } from '@mikro-orm/postgresql';
import { digest, normalizeEmail, PasswordHasher } from '../credential/secrets';
import { IDENTITY_SETTINGS } from '../identity.tokens';
import type { IdentitySettings } from '../identity.settings';
import { Mailer } from '../mail/mailer';
import { Sessions } from '../session/sessions';
import { decideUser, type UserCommand } from './user.decide';
import { initialUserState, userStreamId } from './user.events';
import { evolveUser } from './user.evolve';
import { PersonalWorkspaces } from './personal-workspaces';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  email_verified: boolean;
  created_at: Date;
}

function toUser(row: UserRow): UserResource {
  return { id: row.id, email: row.email, email_verified: row.email_verified, name: row.name, created_at: new Date(row.created_at).toISOString() };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length > 320 || !EMAIL.test(email.trim())) throw new MnemoError('VALIDATION_ERROR', 'email must be an email address');
  return email.trim();
}

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < 12 || password.length > 1024) {
    throw new MnemoError('VALIDATION_ERROR', 'password must be 12 to 1024 characters');
  }
  return password;
}

/** Signup, login, logout, email verification and password reset. */
@Controller()
export class AccountHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Sessions,
    private readonly mailer: Mailer,
    private readonly personalWorkspaces: PersonalWorkspaces,
  ) {}

  private get store() {
    return this.runtime.store;
  }

  /** Applies a user command through decide, appending its events in the caller's transaction. */
  private async applyToUser(em: EntityManager, userId: string, command: UserCommand): Promise<void> {
    const history = await this.store.readStream(userStreamId(userId), em);
    const state = history.reduce(evolveUser, initialUserState);
    const events = decideUser(command, state);
    await this.store.appendInTransaction(em, userStreamId(userId), history.length, events, { owner: { userId }, actor: `user:${userId}` });
  }

  @RpcHandler('identity', IDENTITY_RPC.signup)
  async signup(request: SignupRequest): Promise<SignupReply> {
    const email = checkEmail(request.email);
    const password = checkPassword(request.password);
    const name = request.name === undefined ? null : String(request.name);
    if (name !== null && (name.trim().length < 1 || name.length > 100)) throw new MnemoError('VALIDATION_ERROR', 'name must be 1 to 100 characters');
    const passwordHash = await this.hasher.hash(password);
    const userId = uuidv7();
    const user = await this.runtime.orm.em.fork().transactional(async (em) => {
      let rows: UserRow[];
      try {
        rows = await em.execute<UserRow[]>(
          `INSERT INTO users (id, email, email_normalized, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, now())
           RETURNING id, email, name, password_hash, email_verified, created_at`,
          [userId, email, normalizeEmail(email), name, passwordHash],
        );
      } catch (error) {
        if ((error as { constraint?: string }).constraint === 'users_email_key') {
          throw new MnemoError('CONFLICT', 'an account with this email already exists', { reason: 'email_taken' });
        }
        throw error;
      }
      await this.applyToUser(em, userId, { type: 'register' });
      await em.execute('INSERT INTO personal_workspace_requests (user_id, email, name, status) VALUES (?, ?, ?, ?)', [userId, email, name, 'pending']);
      return toUser(rows[0]);
    });
    const personal = await this.personalWorkspaces.ensure({ user_id: userId, email, ...(name ? { name } : {}) });
    const session = await this.runtime.orm.em.fork().transactional((em) => this.sessions.start(em, userId));
    await this.sendVerification(user);
    return {
      token: session.token,
      expires_at: session.expires_at,
      user,
      workspace: personal.workspace,
      organization: personal.organization,
      is_first_workspace: true,
    };
  }

  @RpcHandler('identity', IDENTITY_RPC.login)
  async login(request: { email: string; password: string }): Promise<SessionReply> {
    const refused = new MnemoError('UNAUTHORIZED', 'invalid email or password');
    if (typeof request.email !== 'string' || typeof request.password !== 'string') throw refused;
    const [row] = await this.runtime.orm.em
      .fork()
      .execute<UserRow[]>('SELECT id, email, name, password_hash, email_verified, created_at FROM users WHERE email_normalized = ?', [normalizeEmail(request.email)]);
    const valid = row ? await this.hasher.verify(row.password_hash, request.password) : await this.hasher.verifyNobody(request.password);
    if (!row || !valid) throw refused;
    const session = await this.runtime.orm.em.fork().transactional((em) => this.sessions.start(em, row.id));
    return { token: session.token, expires_at: session.expires_at, user: toUser(row) };
  }

  @RpcHandler('identity', IDENTITY_RPC.logout)
  async logout(request: { user_id: string; session_id: string }): Promise<{ revoked: boolean }> {
    const revoked = await this.runtime.orm.em.fork().transactional((em) => this.sessions.revoke(em, request.user_id, 'logout', request.session_id));
    return { revoked: revoked > 0 };
  }

  @RpcHandler('identity', IDENTITY_RPC.getUser)
  async getUser(request: { user_id: string }): Promise<UserResource> {
    return this.loadUser(request.user_id);
  }

  @RpcHandler('identity', IDENTITY_RPC.findUserByEmail)
  async findUserByEmail(request: { email: string }): Promise<UserResource> {
    if (typeof request.email !== 'string') throw new MnemoError('VALIDATION_ERROR', 'email must be an email address');
    const [row] = await this.runtime.orm.em
      .fork()
      .execute<UserRow[]>('SELECT id, email, name, password_hash, email_verified, created_at FROM users WHERE email_normalized = ?', [normalizeEmail(request.email)]);
    if (!row) throw new MnemoError('NOT_FOUND', 'no such user');
    return toUser(row);
  }

  // Handlers answer envelopes; code inside the service calls this instead.
  private async loadUser(userId: string): Promise<UserResource> {
    const [row] = await this.runtime.orm.em
      .fork()
      .execute<UserRow[]>('SELECT id, email, name, password_hash, email_verified, created_at FROM users WHERE id = ?', [userId]);
    if (!row) throw new MnemoError('NOT_FOUND', 'no such user');
    return toUser(row);
  }

  /** Verifying an address also joins every pending invitation for it. */
  @RpcHandler('identity', IDENTITY_RPC.verifyEmail)
  async verifyEmail(request: { token: string }): Promise<{ user: UserResource }> {
    const userId = await this.claimToken(request.token, 'verify_email', async (em, id) => {
      await em.execute('UPDATE users SET email_verified = true WHERE id = ?', [id]);
      await this.applyToUser(em, id, { type: 'verify_email' });
    });
    const user = await this.loadUser(userId);
    const joined = await this.runtime.rpc.call('workspaces', WORKSPACES_RPC.joinInvitationsForEmail, { user_id: user.id, email: user.email });
    if (!joined.ok) this.runtime.logger.warn({ code: joined.error.code }, 'could not join pending invitations after verification');
    return { user };
  }

  @RpcHandler('identity', IDENTITY_RPC.resendVerification)
  async resendVerification(request: { user_id: string }): Promise<{ sent: boolean }> {
    const user = await this.loadUser(request.user_id);
    if (user.email_verified) return { sent: false };
    await this.sendVerification(user);
    return { sent: true };
  }

  /** Always answers the same, whether or not the email has an account. */
  @RpcHandler('identity', IDENTITY_RPC.requestPasswordReset)
  async requestPasswordReset(request: { email: string }): Promise<{ accepted: true }> {
    if (typeof request.email !== 'string') throw new MnemoError('VALIDATION_ERROR', 'email must be an email address');
    const [row] = await this.runtime.orm.em
      .fork()
      .execute<UserRow[]>('SELECT id, email, name, password_hash, email_verified, created_at FROM users WHERE email_normalized = ?', [normalizeEmail(request.email)]);
    if (row) {
      const token = await this.issueToken(row.id, 'password_reset', this.settings.resetTtlMs);
      await this.deliver({
        to: row.email,
        subject: 'Reset your Mnemo password',
        text: `Someone asked to reset the password of your Mnemo account. If it was you, open this link within an hour:\n\n${this.settings.publicUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this message.`,
      });
    }
    return { accepted: true };
  }

  /** Sets the new password and revokes every session of the account. */
  @RpcHandler('identity', IDENTITY_RPC.confirmPasswordReset)
  async confirmPasswordReset(request: { token: string; password: string }): Promise<{ reset: true }> {
    const password = checkPassword(request.password);
    const hash = await this.hasher.hash(password);
    await this.claimToken(request.token, 'password_reset', async (em, userId) => {
      await em.execute('UPDATE users SET password_hash = ? WHERE id = ?', [hash, userId]);
      await this.applyToUser(em, userId, { type: 'reset_password' });
      await this.sessions.revoke(em, userId, 'password_reset');
    });
    return { reset: true };
  }

  private async issueToken(userId: string, purpose: 'verify_email' | 'password_reset', ttlMs: number): Promise<string> {
    const token = mintLinkToken();
    await this.runtime.orm.em
      .fork()
      .execute('INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) VALUES (?, ?, ?, ?)', [digest(token), userId, purpose, new Date(Date.now() + ttlMs)]);
    return token;
  }

  /** Uses a single-use token exactly once, running `effect` in the same transaction. */
  private async claimToken(token: unknown, purpose: string, effect: (em: EntityManager, userId: string) => Promise<void>): Promise<string> {
    const invalid = new MnemoError('VALIDATION_ERROR', 'this link is invalid, expired or already used', { reason: 'invalid_token' });
    if (typeof token !== 'string' || token.length < 16 || token.length > 128) throw invalid;
    return this.runtime.orm.em.fork().transactional(async (em) => {
      const [claimed] = await em.execute<{ user_id: string }[]>(
        `UPDATE email_tokens SET used_at = now() WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
        [digest(token), purpose],
      );
      if (!claimed) throw invalid;
      await effect(em, claimed.user_id);
      return claimed.user_id;
    });
  }

  private async sendVerification(user: UserResource): Promise<void> {
    const token = await this.issueToken(user.id, 'verify_email', this.settings.verificationTtlMs);
    await this.deliver({
      to: user.email,
      subject: 'Verify your email for Mnemo',
      text: `Welcome to Mnemo. Verify your email address with this link:\n\n${this.settings.publicUrl}/verify-email?token=${token}\n`,
    });
  }

  /** Mail transport problems never fail the request that sends mail. */
  private async deliver(message: { to: string; subject: string; text: string }): Promise<void> {
    try {
      await this.mailer.send(message);
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'could not send mail');
    }
  }
}
