import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { MAX_WORKSPACE_ID } from '@mnemo/contracts';

/** The defaults to set; absent leaves a choice as it is, null clears it. A workspace implies its organization. */
export class NavigationStateBody {
  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsUUID()
  organization_id?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: true })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_WORKSPACE_ID)
  workspace_id?: number | null;
}
