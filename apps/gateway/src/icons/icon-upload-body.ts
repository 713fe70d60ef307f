import type { FastifyInstance } from 'fastify';

/** The signed upload route; the one route whose body is raw image bytes. */
export const ICON_UPLOAD_ROUTE = '/v1/icon-uploads/:storageId';

/**
 * Image bodies arrive as raw bytes (under the gateway's 1 MiB body limit, so 1 MiB + 1 is Fastify's 413). The
 * declared type decides nothing — the workspaces service sniffs the bytes — so any image/* or octet-stream is
 * read. Every other route stays JSON only: such a body there is 415.
 */
export function installIconUploadParser(fastify: FastifyInstance): void {
  for (const contentType of ['application/octet-stream', /^image\/[\w.+-]+$/i]) {
    fastify.addContentTypeParser(contentType, { parseAs: 'buffer' }, (request, body, done) => {
      if (request.routeOptions?.url !== ICON_UPLOAD_ROUTE) {
        done(Object.assign(new Error('unsupported media type'), { statusCode: 415 }), undefined);
        return;
      }
      done(null, body);
    });
  }
}
