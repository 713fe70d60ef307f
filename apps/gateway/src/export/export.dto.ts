import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ImportQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'keep the grants of imported spaces (only on a plan that shares)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  keep_grants?: 'true' | 'false';
}
