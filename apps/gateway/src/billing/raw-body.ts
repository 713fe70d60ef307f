import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BILLING_WEBHOOK_ROUTE, MAX_NATS_PAYLOAD_BYTES } from '@mnemo/contracts';

/** Routes whose JSON body reaches the handler as the raw bytes: a signature covers exactly those bytes. */
const RAW_BODY_ROUTES: ReadonlySet<string> = new Set([BILLING_WEBHOOK_ROUTE]);

/**
 * JSON as before on every route (Fastify's own parser, with its prototype-poisoning checks), except the
 * payment-provider webhook, whose handler gets the body as a Buffer to verify the signature over it.
 * Registered before Nest's init, so Nest keeps this parser instead of adding its default one.
 */
export function keepRawBodyOnSignedRoutes(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: MAX_NATS_PAYLOAD_BYTES }, (request, body, done) => {
    if (RAW_BODY_ROUTES.has(request.routeOptions?.url ?? '')) {
      done(null, body);
      return;
    }
    // The default parser's types name Fastify's default server; the request is the same object.
    parseJson(request as Parameters<typeof parseJson>[0], body.toString('utf8'), done);
  });
}
