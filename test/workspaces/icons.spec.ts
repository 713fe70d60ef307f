import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { api, environmentOf, eventually, freePort, mintKey, signUp, startGateway, testStack, type TestUser } from '@mnemo/testing';
import { workspacesReplicaEnvironment } from './lifecycle-helpers';

const MiB = 1024 * 1024;

/** A real PNG (8-bit grayscale), optionally padded with a tEXt chunk to exactly `totalBytes`. */
function png(width: number, height: number, totalBytes?: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grayscale), deflate, no filter, no interlace
  const pixels = Buffer.alloc(height * (width + 1)); // each row: filter byte 0, then black pixels
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels))];
  const end = chunk('IEND', Buffer.alloc(0));
  if (totalBytes !== undefined) {
    const used = parts.reduce((sum, part) => sum + part.length, 0) + end.length + 12;
    parts.push(chunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(totalBytes - used - 8, 0x61)])));
  }
  const image = Buffer.concat([...parts, end]);
  if (totalBytes !== undefined && image.length !== totalBytes) throw new Error(`padded PNG is ${image.length} bytes, wanted ${totalBytes}`);
  return image;
}

// Tiny real images of the other two types (1×1): a progressive JPEG and a lossless WebP.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

interface UploadUrl {
  upload_url: string;
  storage_id: string;
  expires_at: string;
}

async function workspaceUploadUrl(user: TestUser, workspaceId = user.workspace.workspace_id): Promise<UploadUrl> {
  const response = await api('POST', `/v1/workspaces/${workspaceId}/icon-upload-url`, { token: user.token });
  if (response.status !== 200) throw new Error(`upload URL: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function accountUploadUrl(user: TestUser): Promise<UploadUrl> {
  const response = await api('POST', '/v1/icon-upload-url', { token: user.token });
  if (response.status !== 200) throw new Error(`upload URL: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** PUT bytes to an upload URL, optionally through another gateway (same path and query, other origin). */
async function put(url: string, bytes: Buffer, contentType = 'application/octet-stream', origin?: string): Promise<{ status: number; body: any }> {
  const target = origin ? `${origin}${new URL(url).pathname}${new URL(url).search}` : url;
  const response = await fetch(target, { method: 'PUT', headers: { 'content-type': contentType }, body: bytes });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const setIcon = (user: TestUser, storageId: string | null, workspaceId = user.workspace.workspace_id) =>
  api('PATCH', `/v1/workspaces/${workspaceId}`, { token: user.token, body: { icon_storage_id: storageId } });

describe('workspace icons', () => {
  it('answers a single-use upload URL for a workspace, on the API’s own origin', async () => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    expect(url).toEqual({ upload_url: expect.any(String), storage_id: expect.stringMatching(/^[0-9a-f-]{36}$/), expires_at: expect.any(String) });
    expect(url.upload_url.startsWith(`${testStack().gatewayUrl}/v1/icon-uploads/${url.storage_id}?token=`)).toBe(true);
    expect(Date.parse(url.expires_at)).toBeGreaterThan(Date.now());
  });

  it.each([
    ['PNG', png(16, 16), 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['WebP', WEBP, 'image/webp'],
  ])('accepts a %s by its magic bytes and serves it publicly with its sniffed type, nosniff and a strict CSP', async (_label, bytes, sniffed) => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    // The declared type decides nothing: the bytes do.
    expect(await put(url.upload_url, bytes, 'image/gif')).toEqual({ status: 204, body: undefined });
    const updated = await setIcon(ada, url.storage_id);
    expect(updated.status).toBe(200);
    expect(updated.body.icon_url).toBe(`/v1/icons/${url.storage_id}`);
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token })).body.icon_url).toBe(`/v1/icons/${url.storage_id}`);
    const served = await fetch(`${testStack().gatewayUrl}${updated.body.icon_url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe(sniffed);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses a GIF and a text file named PNG with 415, and the URL still takes a real image afterwards', async () => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    const gif = await put(url.upload_url, GIF, 'image/gif');
    expect(gif.status).toBe(415);
    expect(gif.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const text = await put(url.upload_url, Buffer.from('just some text, not an image'), 'image/png');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // Nothing was stored for the refused uploads.
    expect((await setIcon(ada, url.storage_id)).status).toBe(404);
    expect((await put(url.upload_url, png(2, 2))).status).toBe(204);
    expect((await setIcon(ada, url.storage_id)).status).toBe(200);
  });

  it('takes exactly 1 MiB and refuses 1 MiB + 1 byte with 413', async () => {
    const ada = await signUp();
    const exact = await workspaceUploadUrl(ada);
    expect((await put(exact.upload_url, png(64, 64, MiB))).status).toBe(204);
    const over = await workspaceUploadUrl(ada);
    const refused = await put(over.upload_url, png(64, 64, MiB + 1));
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    // The whole 1 MiB comes back, reassembled from its pieces.
    expect((await setIcon(ada, exact.storage_id)).status).toBe(200);
    const served = await fetch(`${testStack().gatewayUrl}/v1/icons/${exact.storage_id}`);
    expect(Buffer.from(await served.arrayBuffer()).length).toBe(MiB);
  });

  it('takes 1024×1024 and refuses 1025 pixels either way with 400', async () => {
    const ada = await signUp();
    const fits = await workspaceUploadUrl(ada);
    expect((await put(fits.upload_url, png(1024, 1024))).status).toBe(204);
    for (const [width, height] of [
      [1025, 1024],
      [1024, 1025],
    ]) {
      const url = await workspaceUploadUrl(ada);
      const refused = await put(url.upload_url, png(width, height));
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'dimensions' } });
    }
  });

  it('refuses a URL used twice, a tampered token and an unknown storage id', async () => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    const tampered = new URL(url.upload_url);
    const token = tampered.searchParams.get('token')!;
    tampered.searchParams.set('token', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    const refusedTampered = await put(tampered.toString(), png(4, 4));
    expect(refusedTampered.status).toBe(403);
    expect(refusedTampered.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'invalid_upload_url' } });
    const otherId = new URL(url.upload_url);
    otherId.pathname = '/v1/icon-uploads/00000000-0000-4000-8000-000000000000';
    expect((await put(otherId.toString(), png(4, 4))).status).toBe(403);
    expect((await put(url.upload_url, png(4, 4))).status).toBe(204);
    const second = await put(url.upload_url, png(8, 8));
    expect(second.status).toBe(403);
    expect(second.body.error.details.reason).toBe('invalid_upload_url');
  });

  it('stores exactly one of two concurrent uploads to one URL', async () => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    const results = await Promise.all([put(url.upload_url, png(300, 300)), put(url.upload_url, png(301, 301))]);
    expect(results.map((result) => result.status).sort()).toEqual([204, 403]);
    expect((await setIcon(ada, url.storage_id)).status).toBe(200);
  });

  it('takes an upload URL issued through one gateway on another gateway process, once', async () => {
    const ada = await signUp();
    const url = await workspaceUploadUrl(ada);
    const replica = await startGateway();
    try {
      expect((await put(url.upload_url, png(3, 3), 'image/png', replica.url)).status).toBe(204);
      expect((await put(url.upload_url, png(3, 3), 'image/png')).status).toBe(403);
    } finally {
      await replica.stop();
    }
    expect((await setIcon(ada, url.storage_id)).status).toBe(200);
  }, 240_000);

  it('accepts a storage id only from the user or workspace it was issued to', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const adasSecond = await api('POST', '/v1/workspaces', { token: ada.token, body: { name: `Second ${Date.now().toString(36)}` } });
    expect(adasSecond.status).toBe(201);
    const secondId = adasSecond.body.workspace.workspace_id as number;

    const forFirst = await workspaceUploadUrl(ada);
    expect((await put(forFirst.upload_url, png(4, 4))).status).toBe(204);
    // Another user, and another workspace of the same owner, cannot use a workspace's upload.
    const byEve = await setIcon(eve, forFirst.storage_id);
    expect(byEve.status).toBe(404);
    expect(byEve.body.error.code).toBe('NOT_FOUND');
    expect((await setIcon(ada, forFirst.storage_id, secondId)).status).toBe(404);

    // An account-level upload is the user's: eve cannot use ada's; ada can, for one workspace only.
    const adasAccount = await accountUploadUrl(ada);
    expect((await put(adasAccount.upload_url, png(5, 5))).status).toBe(204);
    expect((await setIcon(eve, adasAccount.storage_id)).status).toBe(404);
    expect((await setIcon(ada, adasAccount.storage_id, secondId)).status).toBe(200);
    expect((await setIcon(ada, adasAccount.storage_id)).status).toBe(404);

    // An issued but never uploaded storage id is nothing to claim either; a refused PATCH changes nothing.
    const empty = await workspaceUploadUrl(ada);
    expect((await setIcon(ada, empty.storage_id)).status).toBe(404);
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token })).body.icon_url).toBeNull();
    expect((await setIcon(ada, forFirst.storage_id)).status).toBe(200);
  });

  it('creates a workspace with an icon uploaded through the account-level URL, for the same user only', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const url = await accountUploadUrl(ada);
    expect((await put(url.upload_url, WEBP)).status).toBe(204);
    const byEve = await api('POST', '/v1/workspaces', { token: eve.token, body: { name: `Eve ${Date.now().toString(36)}`, icon_storage_id: url.storage_id } });
    expect(byEve.status).toBe(404);
    // Nothing was created for the refused request.
    expect((await api('GET', '/v1/workspaces', { token: eve.token })).body.workspaces).toHaveLength(1);
    const created = await api('POST', '/v1/workspaces', { token: ada.token, body: { name: `Ada ${Date.now().toString(36)}`, icon_storage_id: url.storage_id } });
    expect(created.status).toBe(201);
    expect(created.body.workspace.icon_url).toBe(`/v1/icons/${url.storage_id}`);
    const served = await fetch(`${testStack().gatewayUrl}/v1/icons/${url.storage_id}`);
    expect(served.headers.get('content-type')).toBe('image/webp');
  });

  it('retires a replaced or removed icon: its URL stops answering', async () => {
    const ada = await signUp();
    const first = await workspaceUploadUrl(ada);
    await put(first.upload_url, png(6, 6));
    expect((await setIcon(ada, first.storage_id)).status).toBe(200);
    const second = await workspaceUploadUrl(ada);
    await put(second.upload_url, png(7, 7));
    expect((await setIcon(ada, second.storage_id)).body.icon_url).toBe(`/v1/icons/${second.storage_id}`);
    expect((await fetch(`${testStack().gatewayUrl}/v1/icons/${first.storage_id}`)).status).toBe(404);
    const removed = await setIcon(ada, null);
    expect(removed.status).toBe(200);
    expect(removed.body.icon_url).toBeNull();
    const gone = await api('GET', `/v1/icons/${second.storage_id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('issues workspace URLs to owners and admins only, and account URLs to sessions only', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read', 'memory:write']);
    const byMember = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/icon-upload-url`, { token: key.key });
    expect(byMember.status).toBe(403);
    const adminKey = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
    expect((await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/icon-upload-url`, { token: adminKey.key })).status).toBe(200);
    expect((await api('POST', '/v1/icon-upload-url', { token: adminKey.key })).status).toBe(403);
    expect((await api('POST', '/v1/icon-upload-url')).status).toBe(401);
  });

  it('lets a user hold at most 20 upload URLs no workspace used yet, and frees a place when one is used', async () => {
    const ada = await signUp();
    const urls: UploadUrl[] = [];
    for (let i = 0; i < 20; i++) urls.push(i % 2 === 0 ? await accountUploadUrl(ada) : await workspaceUploadUrl(ada));
    for (const path of ['/v1/icon-upload-url', `/v1/workspaces/${ada.workspace.workspace_id}/icon-upload-url`]) {
      const refused = await api('POST', path, { token: ada.token });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { reason: 'unclaimed_icon_uploads', limit: 20 } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await put(urls[1].upload_url, png(2, 2))).status).toBe(204);
    expect((await setIcon(ada, urls[1].storage_id)).status).toBe(200);
    expect((await api('POST', '/v1/icon-upload-url', { token: ada.token })).status).toBe(200);
  }, 240_000);

  it('purges uploads nobody claimed once they are older than the configured age, and keeps claimed icons', async () => {
    const ada = await signUp();
    const claimed = await workspaceUploadUrl(ada);
    await put(claimed.upload_url, png(9, 9));
    expect((await setIcon(ada, claimed.storage_id)).status).toBe(200);
    const unclaimed = await workspaceUploadUrl(ada);
    expect((await put(unclaimed.upload_url, png(10, 10))).status).toBe(204);
    const probe = await workspaceUploadUrl(ada);

    // A replica of the workspaces service whose sweeper purges after one second (the default is 24 h).
    const port = await freePort();
    const replica = spawn(process.execPath, [join(process.cwd(), 'dist', 'apps', 'workspaces', 'src', 'main.js')], {
      env: {
        ...process.env,
        // As the stack's own process in everything else: it answers other tests' requests while it runs.
        ...workspacesReplicaEnvironment(),
        ...environmentOf(testStack().config),
        PORT: String(port),
        ICON_UPLOAD_RETENTION_SECONDS: '1',
        ICON_SWEEP_INTERVAL_SECONDS: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let replicaErrors = '';
    replica.stderr!.on('data', (chunk: Buffer) => (replicaErrors += chunk.toString()));
    const exited = new Promise<void>((resolve) => replica.once('exit', () => resolve()));
    try {
      // The probe ticket was issued after the unclaimed upload; a refused image leaves a live ticket as it is
      // (415), and a purged one is gone (403). Once it is gone, the older unclaimed upload is gone too.
      const outcome = await eventually(
        async () => {
          if (replica.exitCode !== null) return `the replica exited with ${replica.exitCode}: ${replicaErrors.slice(0, 500)}`;
          return (await put(probe.upload_url, GIF, 'image/gif')).status === 403 ? 'purged' : undefined;
        },
        150_000,
        'the probe ticket to be purged',
      );
      expect(outcome).toBe('purged');
    } finally {
      replica.kill('SIGTERM');
      await exited;
    }
    expect((await setIcon(ada, unclaimed.storage_id)).status).toBe(404);
    const served = await fetch(`${testStack().gatewayUrl}/v1/icons/${claimed.storage_id}`);
    expect(served.status).toBe(200);
    // A replica starting on a loaded machine is slow; nothing here waits on a clock but the purge age itself.
  }, 240_000);
});
