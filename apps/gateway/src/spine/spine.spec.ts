import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { loadConfig } from '@mnemo/contracts';
import { testStack } from '@mnemo/testing';
import { createGatewayApp, type GatewayApp } from '../gateway.app';

class EchoBody {
  @IsString()
  @MaxLength(10)
  name!: string;
}

/** Routes that exist only in this test, to drive the real gateway spine. */
@Controller('spine-test')
class SpineTestController {
  @Post('echo')
  echo(@Body() body: EchoBody) {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internals at /srv/app/handler.ts:42');
  }
}

describe('gateway spine: every failure leaves in the documented envelope', () => {
  let gateway: GatewayApp;
  let base: string;

  beforeAll(async () => {
    const stack = testStack();
    gateway = await createGatewayApp(
      loadConfig('gateway', { NATS_URL: stack.config.natsUrl, NATS_PREFIX: stack.natsPrefix, LOG_LEVEL: 'silent' }),
      {
        extraControllers: [SpineTestController],
        extraRoutes: { 'POST /spine-test/echo': { auth: 'public' }, 'GET /spine-test/boom': { auth: 'public' } },
      },
    );
    await gateway.app.listen(0, '127.0.0.1');
    base = await gateway.app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  async function call(path: string, init: RequestInit = {}) {
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
  }

  function expectEnvelope(result: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    expect(result.status).toBe(status);
    expect(result.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String), request_id: expect.any(String) }) });
    expect(result.body.error.request_id).toBe(result.headers.get('x-request-id'));
    expect(result.text).not.toMatch(/\bat \S+:\d+|stack|\.ts:\d+/);
  }

  const json = { 'content-type': 'application/json' };

  it('answers a valid request normally', async () => {
    const result = await call('/spine-test/echo', { method: 'POST', headers: json, body: JSON.stringify({ name: 'ada' }) });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ name: 'ada' });
  });

  it('malformed JSON → 400 VALIDATION_ERROR', async () => {
    expectEnvelope(await call('/spine-test/echo', { method: 'POST', headers: json, body: '{"name": "ada",' }), 400, 'VALIDATION_ERROR');
  });

  it('an unknown field → 400 VALIDATION_ERROR naming it', async () => {
    const result = await call('/spine-test/echo', { method: 'POST', headers: json, body: JSON.stringify({ name: 'ada', admin: true }) });
    expectEnvelope(result, 400, 'VALIDATION_ERROR');
    expect(result.body.error.message).toContain('admin');
  });

  it('a field over its limit → 400 VALIDATION_ERROR (10 chars pass, 11 fail)', async () => {
    const ok = await call('/spine-test/echo', { method: 'POST', headers: json, body: JSON.stringify({ name: 'a'.repeat(10) }) });
    expect(ok.status).toBe(201);
    expectEnvelope(await call('/spine-test/echo', { method: 'POST', headers: json, body: JSON.stringify({ name: 'a'.repeat(11) }) }), 400, 'VALIDATION_ERROR');
  });

  it('a 2 MiB body → 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    expectEnvelope(await call('/spine-test/echo', { method: 'POST', headers: json, body }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectEnvelope(await call('/spine-test/echo', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<name>ada</name>' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectEnvelope(await call('/spine-test/echo', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'ada' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a handler that throws → 500 INTERNAL without its details', async () => {
    const result = await call('/spine-test/boom');
    expectEnvelope(result, 500, 'INTERNAL');
    expect(result.text).not.toContain('secret internals');
  });

  it('an unknown route → 404 NOT_FOUND', async () => {
    expectEnvelope(await call('/v1/nothing-here'), 404, 'NOT_FOUND');
  });

  it('serves the OpenAPI document at /docs-json and a docs page at /docs', async () => {
    const document = await call('/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/health/services']));
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
