import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, ValidateIf } from 'class-validator';
import { PROVIDERS, SLUG_PATTERN, type Provider } from '@mnemo/contracts';

const SLUG_MESSAGE = 'slug must be 2-50 characters of a-z, 0-9 and single hyphens';

/**
 * workspace-api create / createInOrg. Without `organization_id` a new organization is made (named
 * `organization_name`, else after the workspace) and `domain` is 2–50 characters; with it, 2–256. The
 * service enforces the domain limit that applies (it depends on organization_id).
 */
export class CreateWorkspaceBody {
  @ApiProperty({ minLength: 2, maxLength: 50 })
  @IsString()
  @Length(2, 50)
  name!: string;

  @ApiPropertyOptional({ minLength: 2, maxLength: 50, pattern: SLUG_PATTERN.source, description: 'derived from the name when omitted' })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ minLength: 2, maxLength: 256, description: '2–50 characters without organization_id, 2–256 with it' })
  @IsOptional()
  @IsString()
  @Length(2, 256)
  domain?: string;

  @ApiPropertyOptional({ minLength: 2, maxLength: 80, description: 'a new organization’s name (default: the workspace name); not with organization_id' })
  @IsOptional()
  @IsString()
  @Length(2, 80)
  organization_name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'create in this existing organization (its owners and admins only)' })
  @IsOptional()
  @IsUUID()
  organization_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'an icon uploaded through POST /v1/icon-upload-url by the same user' })
  @IsOptional()
  @IsUUID()
  icon_storage_id?: string;
}

export class ListWorkspacesQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  organization_id?: string;
}

/** workspace-api updateDetails; owners only. `domain: null` clears the domain. */
export class UpdateWorkspaceBody {
  @ApiPropertyOptional({ minLength: 2, maxLength: 80 })
  @IsOptional()
  @IsString()
  @Length(2, 80)
  name?: string;

  @ApiPropertyOptional({ minLength: 2, maxLength: 256, nullable: true })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString()
  @Length(2, 256)
  domain?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'the storage id of an uploaded icon (POST …/icon-upload-url); null removes the icon' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsUUID()
  icon_storage_id?: string | null;
}

export class OrganizationNameBody {
  @ApiProperty({ minLength: 2, maxLength: 80 })
  @IsString()
  @Length(2, 80)
  name!: string;
}

export class RotateJoinCodeBody {
  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'when the new code stops working; never when omitted' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string | null;
}

export class ProvidersBody {
  @ApiProperty({ enum: PROVIDERS, isArray: true, minItems: 1 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(PROVIDERS.length)
  @ArrayUnique()
  @IsIn(PROVIDERS, { each: true })
  providers!: Provider[];
}
