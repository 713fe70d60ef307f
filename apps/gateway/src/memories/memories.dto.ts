import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MEMORY_LIMITS } from '@mnemo/contracts';

/*
 * The gateway checks the shape of memory requests (types, unknown fields) and documents the limits; the
 * memory service checks every limit, for single writes and each item of a batch alike, so the rules live in
 * one place (apps/memory/src/memory/memory.input.ts).
 */

const L = MEMORY_LIMITS;

export class WriteMemoryBody {
  @ApiPropertyOptional({ description: `the memory's text; ≤ ${L.observationBytes} bytes. Content is observation, or body_md with a path` })
  @IsOptional()
  @IsString()
  observation?: string;

  @ApiPropertyOptional({ maxLength: L.titleChars })
  @IsOptional()
  @IsString()
  title?: string;

  @ApiPropertyOptional({ description: `a Markdown document, ≤ ${L.bodyMdBytes} bytes; needs a path` })
  @IsOptional()
  @IsString()
  body_md?: string;

  @ApiPropertyOptional({
    maxLength: L.pathChars,
    example: '/workspace/teams/platform/runbooks/deploy.md',
    description: 'lowercased segments of [a-z0-9._-]; a write to an existing path replaces that document (same uuid, new version)',
  })
  @IsOptional()
  @IsString()
  path?: string;

  @ApiPropertyOptional({ type: [String], maxItems: L.maxTags, description: `≤ ${L.maxTags} tags of ≤ ${L.tagChars} characters` })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 5 })
  @IsOptional()
  @IsInt()
  importance?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 1 })
  @IsOptional()
  @IsNumber()
  confidence?: number;

  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9._:-]{1,64}$', description: "a label; an agent-bound key writes under its own agent only" })
  @IsOptional()
  @IsString()
  agent_id?: string;

  @ApiPropertyOptional({ example: 'urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e8f' })
  @IsOptional()
  @IsString()
  space_id?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'the memory is gone from every read at this time' })
  @IsOptional()
  @IsString()
  expires_at?: string | null;
}

export class WriteMemoriesBody {
  @ApiProperty({ type: [WriteMemoryBody], minItems: 1, maxItems: L.batchItems, description: 'all or nothing; problems are reported per item index' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(L.batchItems)
  @IsObject({ each: true })
  memories!: Record<string, unknown>[];
}

export class UpdateMemoryBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  observation?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  title?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  body_md?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  path?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 10 })
  @IsOptional()
  @IsInt()
  importance?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  confidence?: number;

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsString()
  expires_at?: string | null;
}

export class ListMemoriesQuery {
  @ApiPropertyOptional({ minimum: L.listLimit.min, maximum: L.listLimit.max, default: L.listLimit.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(L.listLimit.min)
  @Max(L.listLimit.max)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ description: 'only memories stored under this agent id' })
  @IsOptional()
  @IsString()
  agent_id?: string;

  @ApiPropertyOptional({ description: 'only memories at or below this path (whole segments)' })
  @IsOptional()
  @IsString()
  path_prefix?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  space_id?: string;

  @ApiPropertyOptional({ description: 'comma-separated; memories with any of these tags' })
  @IsOptional()
  @IsString()
  tags?: string;
}

export class TagFilter {
  @ApiPropertyOptional({ type: [String], description: 'memories with at least one of these tags' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  any?: string[];

  @ApiPropertyOptional({ type: [String], description: 'memories with every one of these tags' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  all?: string[];
}

export class SearchMemoriesBody {
  @ApiProperty({ maxLength: L.queryChars, description: 'lexical: any of its terms matches (stemmed)' })
  @IsString()
  q!: string;

  @ApiPropertyOptional({ type: TagFilter })
  @IsOptional()
  @ValidateNested()
  @Type(() => TagFilter)
  tags?: TagFilter;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  agent_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  space_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  path_prefix?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString()
  created_after?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString()
  created_before?: string;

  @ApiPropertyOptional({ minimum: L.searchLimit.min, maximum: L.searchLimit.max, default: L.searchLimit.default })
  @IsOptional()
  @IsInt()
  @Min(L.searchLimit.min)
  @Max(L.searchLimit.max)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class BuildContextBody {
  @ApiProperty({ maxLength: L.queryChars })
  @IsString()
  q!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  path_prefix?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  space_id?: string;

  @ApiPropertyOptional({ minimum: L.contextLimit.min, maximum: L.contextLimit.max, default: L.contextLimit.default })
  @IsOptional()
  @IsInt()
  @Min(L.contextLimit.min)
  @Max(L.contextLimit.max)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: L.contextMaxChars, default: L.contextMaxChars })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(L.contextMaxChars)
  max_chars?: number;
}
