import { randomBytes } from 'node:crypto';
import { randomClientIp, type ApiResponse, type CallOptions } from '@mnemo/testing';

/**
 * A client address of its own for a per-IP limit test (100.64.0.0/10, apart from `randomClientIp`'s range,
 * so no other test's requests ever land on the same counter).
 */
export function ownClientIp(): string {
  const [a, b, c] = randomBytes(3);
  return `100.${64 + (a & 63)}.${b}.${c}`;
}

/** A random email nobody signed up with. */
export function unknownEmail(): string {
  return `nobody-${randomBytes(6).toString('hex')}@example.com`;
}

/** Like `api()`, against any gateway. */
export async function call<T = any>(base: string, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? randomClientIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.workspace !== undefined) headers['mnemo-workspace'] = String(options.workspace);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  } else if (options.rawBody !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * The documented refusal: 429 RATE_LIMITED in the error envelope, naming the rule and its limit, with
 * Retry-After (whole seconds, within the rule's window) and the RateLimit-* headers.
 */
export function expectRateLimited(response: ApiResponse, rule: { name: string; limit: number; windowSeconds: number }): void {
  expect(response.status).toBe(429);
  expect(Object.keys(response.body)).toEqual(['error']);
  expect(response.body.error).toEqual({
    code: 'RATE_LIMITED',
    message: expect.stringContaining(rule.name),
    details: expect.objectContaining({ rule: rule.name, limit: rule.limit, window_seconds: rule.windowSeconds, retry_after_seconds: expect.any(Number) }),
    request_id: expect.any(String),
  });
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil(rule.windowSeconds));
  expect(response.body.error.details.retry_after_seconds).toBe(retryAfter);
  expect(response.headers.get('ratelimit-limit')).toBe(String(rule.limit));
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(response.headers.get('ratelimit-reset'))).toBe(retryAfter);
}

export { startGateway, type GatewayProcess } from '@mnemo/testing';
