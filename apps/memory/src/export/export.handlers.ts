import { Controller, Inject } from '@nestjs/common';
import {
  IMPORT_LIMITS,
  MEMORY_RPC,
  MnemoError,
  planLimits,
  type ExportPageReply,
  type ExportPageRequest,
  type ImportPageReply,
  type ImportPageRequest,
  type MemoryCaller,
  type RpcMetadata,
  type RpcReply,
  type StageImportRequest,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { checkCaller } from '../requests';
import { MemoryWrites } from '../memory/memory.writes';
import { WorkspaceStandings } from '../standing/workspace-standings';
import { exportPage } from './export-page';
import { parseImportPage, type ImportedPage } from './import-lines';
import { importPageInTransaction, type GrantPolicy } from './import-page';
import { checkLines, checkUpload, dropStaged, stagedLines, stagePart } from './staged-parts';

/**
 * GET /v1/export and POST /v1/import. An export is read page by page (each answer under NATS's 1 MiB); an import
 * page (≤ 1 MiB of NDJSON) that does not fit one message arrives in staged parts and is imported, whole or not
 * at all, on the write pipeline: the usage gate counts its memories and an Idempotency-Key replays its answer.
 */
@Controller()
export class ExportHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MemoryWrites) private readonly writes: MemoryWrites,
    @Inject(WorkspaceStandings) private readonly standings: WorkspaceStandings,
  ) {}

  @RpcHandler('memory', MEMORY_RPC.exportPage)
  async exportPage(request: ExportPageRequest): Promise<ExportPageReply> {
    const caller = checkCaller(request.caller);
    if (request.cursor !== undefined && typeof request.cursor !== 'string') throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
    return exportPage(this.runtime.orm.em.fork(), caller, request.cursor);
  }

  /** Keeps one part of a page until `importPage` takes them all; parts older than an hour are abandoned. */
  @RpcHandler('memory', MEMORY_RPC.stageImport)
  async stageImport(request: StageImportRequest): Promise<{ staged: number }> {
    const caller = checkCaller(request.caller);
    const { uploadId, part } = checkUpload(request.upload_id, request.part, IMPORT_LIMITS.maxParts - 1);
    const lines = checkLines(request.lines);
    await stagePart(this.runtime.orm.em.fork(), caller, uploadId, part, lines);
    return { staged: lines.length };
  }

  @RpcHandler('memory', MEMORY_RPC.importPage)
  async importPage(request: ImportPageRequest, metadata: RpcMetadata = {}): Promise<RpcReply<ImportPageReply>> {
    const caller = checkCaller(request.caller);
    const keepGrants = request.keep_grants === true;
    const em = this.runtime.orm.em.fork();
    let lines = checkLines(request.lines);
    const upload = request.upload_id === undefined ? undefined : checkUpload(request.upload_id, request.parts ?? 0, IMPORT_LIMITS.maxParts);
    try {
      if (upload) lines = [...(await stagedLines(em, caller, upload)), ...lines];
      const page = parseImportPage(lines, new Date());
      const grants = await this.grantPolicy(caller, page, keepGrants);
      const idempotency = metadata.idempotencyKey
        ? { method: 'POST', route: '/v1/import', key: metadata.idempotencyKey, body: { lines, keep_grants: keepGrants } }
        : undefined;
      return await this.writes.run(caller, idempotency, (tx) => importPageInTransaction(tx, { store: this.runtime.store, writes: this.writes }, caller, page, grants), page.memories.length);
    } finally {
      if (upload) await dropStaged(em, caller, upload.uploadId);
    }
  }

  /** Grants survive only with `keep_grants=true` on a plan that shares, and only for grantees that exist here. */
  private async grantPolicy(caller: MemoryCaller, page: ImportedPage, keepGrants: boolean): Promise<GrantPolicy> {
    const grantees = [...new Set(page.spaces.flatMap((space) => space.settings.allowed_tenant_ids ?? []))].filter((id) => id !== caller.workspace_id);
    if (!keepGrants || grantees.length === 0) return { keep: false, existingGrantees: new Set() };
    const owner = await this.standings.get(caller.workspace_id);
    if (!planLimits(owner.planName).sharing) return { keep: false, existingGrantees: new Set() };
    const existing = new Set<number>();
    for (const id of grantees) {
      try {
        if (!(await this.standings.get(id)).deleted) existing.add(id);
      } catch (error) {
        if (!(error instanceof MnemoError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    return { keep: true, existingGrantees: existing };
  }
}
