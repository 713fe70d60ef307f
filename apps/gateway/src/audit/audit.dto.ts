import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AUDIT_ACTIONS, AUDIT_LIMITS, AUDIT_OUTCOMES } from '@mnemo/contracts';

/* Shapes here; the memory service checks values (ids, timestamps) and answers VALIDATION_ERROR itself. */

export class ListAuditEventsQuery {
  @ApiPropertyOptional({ description: 'the resource, e.g. a space id (urn:uuid:… or the bare UUID)' })
  @IsOptional()
  @IsString()
  resource_id?: string;

  @ApiPropertyOptional({ description: 'the workspace that acted' })
  @IsOptional()
  @IsString()
  actor_workspace_id?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  cross_tenant?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; records at or after' })
  @IsOptional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; records before' })
  @IsOptional()
  @IsString()
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: AUDIT_LIMITS.listLimit.min, maximum: AUDIT_LIMITS.listLimit.max, default: AUDIT_LIMITS.listLimit.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(AUDIT_LIMITS.listLimit.min)
  @Max(AUDIT_LIMITS.listLimit.max)
  limit?: number;
}
