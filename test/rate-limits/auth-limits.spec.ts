import { api, signUp } from '@mnemo/testing';
import { loadGatewaySettings } from '../../apps/gateway/src/gateway.settings';
import { expectRateLimited, ownClientIp, unknownEmail } from './helpers';

/**
 * Per-IP and per-email limits of the auth routes, each at its edge with the defaults the test stack runs
 * (API.md: signup 60/h, login 30/min, password reset 10/h per IP; per email: login 10/min, reset 5/h).
 * Counted per request: refused, failed and malformed requests count like successful ones.
 */
const { limits } = loadGatewaySettings({});

describe('per-IP and per-email limits on signup, login and password reset', () => {
  it('signup: 60 per hour per IP, failed signups (400: password too short) counted too', async () => {
    expect(limits.signupPerIp).toEqual({ name: 'signup-ip', limit: 60, windowSeconds: 3600 });
    const ip = ownClientIp();
    const answers = await Promise.all(
      Array.from({ length: limits.signupPerIp.limit }, () => api('POST', '/v1/auth/signup', { ip, body: { email: unknownEmail(), password: 'short' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(limits.signupPerIp.limit).fill(400));
    // Still under the limits, the answers say how much is left of the nearer one (each email's own 10 is
    // nearer until the address's 60 runs low).
    expect(answers.map((a) => Number(a.headers.get('ratelimit-remaining'))).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 60 }, (_, i) => Math.min(i, limits.signupPerEmail.limit - 1)),
    );

    const fresh = unknownEmail();
    const refused = await api('POST', '/v1/auth/signup', { ip, body: { email: fresh, password: 'a long enough password' } });
    expectRateLimited(refused, limits.signupPerIp);
    // Refused before identity saw it: no account was made.
    expect((await api('POST', '/v1/auth/login', { body: { email: fresh, password: 'a long enough password' } })).status).toBe(401);
    // Another address is not affected.
    expect((await api('POST', '/v1/auth/signup', { ip: ownClientIp(), body: { email: fresh, password: 'a long enough password' } })).status).toBe(201);
  });

  it('signup: 10 per hour per email from any address, taken-email answers (409) counted too', async () => {
    expect(limits.signupPerEmail).toEqual({ name: 'signup-email', limit: 10, windowSeconds: 3600 });
    const taken = await signUp();
    for (let i = 0; i < limits.signupPerEmail.limit - 1; i++) {
      const again = await api('POST', '/v1/auth/signup', { ip: ownClientIp(), body: { email: taken.email.toUpperCase(), password: 'a long enough password' } });
      expect(again.status).toBe(409);
    }
    // The signup that made the account counted as the first.
    const refused = await api('POST', '/v1/auth/signup', { ip: ownClientIp(), body: { email: taken.email, password: 'a long enough password' } });
    expectRateLimited(refused, limits.signupPerEmail);
  });

  it('login: 30 per minute per IP, failed and malformed requests counted too', async () => {
    expect(limits.loginPerIp).toEqual({ name: 'login-ip', limit: 30, windowSeconds: 60 });
    const ada = await signUp();
    const ip = ownClientIp();
    const statuses: number[] = [];
    for (let i = 0; i < limits.loginPerIp.limit; i++) {
      const response =
        i % 3 === 0
          ? await api('POST', '/v1/auth/login', { ip, rawBody: '{"email": ', headers: { 'content-type': 'application/json' } })
          : i % 3 === 1
            ? await api('POST', '/v1/auth/login', { ip, body: { email: unknownEmail(), password: 'wrong password!' } })
            : await api('POST', '/v1/auth/login', { ip, body: { email: unknownEmail() } });
      statuses.push(response.status);
      // The headers describe the limit closest to refusing: this IP's, or the (fresh) email's.
      expect(Number(response.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(limits.loginPerIp.limit - 1 - i);
    }
    expect(new Set(statuses)).toEqual(new Set([400, 401]));
    // Even the right password is refused from this address now.
    expectRateLimited(await api('POST', '/v1/auth/login', { ip, body: { email: ada.email, password: ada.password } }), limits.loginPerIp);
    expect((await api('POST', '/v1/auth/login', { ip: ownClientIp(), body: { email: ada.email, password: ada.password } })).status).toBe(200);
  });

  it('login: an IPv6 client is counted by its /64', async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    for (let i = 1; i <= limits.loginPerIp.limit; i++) {
      expect((await api('POST', '/v1/auth/login', { ip: `${prefix}::${i.toString(16)}`, body: { email: unknownEmail(), password: 'wrong password!' } })).status).toBe(401);
    }
    expectRateLimited(await api('POST', '/v1/auth/login', { ip: `${prefix}::ffff`, body: { email: unknownEmail(), password: 'wrong password!' } }), limits.loginPerIp);
  });

  it('login: 10 per minute per email, whatever the address, the case or the spacing', async () => {
    expect(limits.loginPerEmail).toEqual({ name: 'login-email', limit: 10, windowSeconds: 60 });
    const ada = await signUp();
    for (let i = 0; i < limits.loginPerEmail.limit; i++) {
      const email = i % 2 === 0 ? ada.email : `  ${ada.email.toUpperCase()} `;
      expect((await api('POST', '/v1/auth/login', { ip: ownClientIp(), body: { email, password: 'not the password' } })).status).toBe(401);
    }
    expectRateLimited(await api('POST', '/v1/auth/login', { ip: ownClientIp(), body: { email: ada.email, password: ada.password } }), limits.loginPerEmail);
    // Other accounts log in as usual.
    const bob = await signUp();
    expect((await api('POST', '/v1/auth/login', { body: { email: bob.email, password: bob.password } })).status).toBe(200);
  });

  it('password reset: 10 per hour per IP', async () => {
    expect(limits.passwordResetPerIp).toEqual({ name: 'reset-ip', limit: 10, windowSeconds: 3600 });
    const ip = ownClientIp();
    for (let i = 0; i < limits.passwordResetPerIp.limit; i++) {
      const body = i === 0 ? { nonsense: true } : { email: unknownEmail() };
      expect((await api('POST', '/v1/auth/password-reset', { ip, body })).status).toBe(i === 0 ? 400 : 202);
    }
    expectRateLimited(await api('POST', '/v1/auth/password-reset', { ip, body: { email: unknownEmail() } }), limits.passwordResetPerIp);
    expect((await api('POST', '/v1/auth/password-reset', { ip: ownClientIp(), body: { email: unknownEmail() } })).status).toBe(202);
  });

  it('password reset: 5 per hour per email', async () => {
    expect(limits.passwordResetPerEmail).toEqual({ name: 'reset-email', limit: 5, windowSeconds: 3600 });
    const email = unknownEmail();
    for (let i = 0; i < limits.passwordResetPerEmail.limit; i++) {
      expect((await api('POST', '/v1/auth/password-reset', { ip: ownClientIp(), body: { email } })).status).toBe(202);
    }
    expectRateLimited(await api('POST', '/v1/auth/password-reset', { ip: ownClientIp(), body: { email: email.toUpperCase() } }), limits.passwordResetPerEmail);
  });

  it('routes without a limit send no RateLimit headers', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });
});
