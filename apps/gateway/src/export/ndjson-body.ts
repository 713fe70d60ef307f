import type { FastifyInstance } from 'fastify';

/** The one route that takes NDJSON: an import page. */
export const NDJSON_ROUTES: ReadonlySet<string> = new Set(['/v1/import']);

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/**
 * Lets `application/x-ndjson` bodies through as text, for the NDJSON routes only (the import controller splits
 * the lines); anywhere else that type is refused with 415, as any other non-JSON body is. The gateway's body
 * limit (1 MiB) applies: a larger page is 413.
 */
export function acceptNdjsonBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(NDJSON_CONTENT_TYPE, { parseAs: 'string' }, (request, body, done) => {
    if (!NDJSON_ROUTES.has(request.routeOptions?.url ?? '')) {
      done(Object.assign(new Error('unsupported content type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), undefined);
      return;
    }
    done(null, body);
  });
}
