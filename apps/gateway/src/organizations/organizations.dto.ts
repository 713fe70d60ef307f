import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ORGANIZATION_ROLES, SLUG_PATTERN, type OrganizationRole } from '@mnemo/contracts';

export class CreateOrganizationBody {
  @ApiProperty({ minLength: 2, maxLength: 80 })
  @IsString()
  @Length(2, 80)
  name!: string;

  @ApiPropertyOptional({ minLength: 2, maxLength: 50, pattern: SLUG_PATTERN.source, description: 'derived from the name when omitted' })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be 2-50 characters of a-z, 0-9 and single hyphens' })
  slug?: string;
}

export class RenameOrganizationBody {
  @ApiProperty({ minLength: 2, maxLength: 80 })
  @IsString()
  @Length(2, 80)
  name!: string;
}

/** Adds an existing user whose email is verified. */
export class AddOrganizationMemberBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ enum: ORGANIZATION_ROLES, default: 'member', description: 'owner and admin are granted by owners only' })
  @IsOptional()
  @IsIn(ORGANIZATION_ROLES)
  role?: OrganizationRole;
}

export class ChangeOrganizationRoleBody {
  @ApiProperty({ enum: ORGANIZATION_ROLES })
  @IsIn(ORGANIZATION_ROLES)
  role!: OrganizationRole;
}
