import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { SPACE_LIMITS } from '@mnemo/contracts';

/* Shapes here, limits in the memory service (apps/memory/src/space/space.input.ts), as for memories. */

export class CreateSpaceBody {
  @ApiProperty({ minLength: SPACE_LIMITS.nameChars.min, maxLength: SPACE_LIMITS.nameChars.max, example: 'customer-support' })
  @IsString()
  name!: string;

  @ApiPropertyOptional({ maxLength: SPACE_LIMITS.descriptionChars, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: SPACE_LIMITS.allowedAgentIds, description: 'agents that may access the space; empty: every agent of the workspace' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowed_agent_ids?: string[];

  @ApiPropertyOptional({ type: [String], maxItems: SPACE_LIMITS.allowedTenantIds, description: 'other workspaces with read access (plans with sharing)' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowed_tenant_ids?: string[];

  @ApiPropertyOptional({ type: [String], maxItems: SPACE_LIMITS.maxTags })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
}

/** PUT is partial: send only the fields to change. */
export class UpdateSpaceBody {
  @ApiPropertyOptional({ minLength: SPACE_LIMITS.nameChars.min, maxLength: SPACE_LIMITS.nameChars.max })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ maxLength: SPACE_LIMITS.descriptionChars, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowed_agent_ids?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowed_tenant_ids?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
}

export class SpaceMemoriesQuery {
  @ApiPropertyOptional({ description: 'search query' })
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional({ description: 'comma-separated tag filter (any)' })
  @IsOptional()
  @IsString()
  tags?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  agent_id?: string;

  @ApiPropertyOptional({ minimum: SPACE_LIMITS.memoriesLimit.min, maximum: SPACE_LIMITS.memoriesLimit.max, default: SPACE_LIMITS.memoriesLimit.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(SPACE_LIMITS.memoriesLimit.min)
  @Max(SPACE_LIMITS.memoriesLimit.max)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
