import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { WORKSPACE_ROLES, type WorkspaceRole } from '@mnemo/contracts';

/** workspace-api addMember: an existing verified user joins at once, anyone else gets an invitation. */
export class AddMemberBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ enum: WORKSPACE_ROLES, default: 'member', description: 'owner and admin are granted by owners only' })
  @IsOptional()
  @IsIn(WORKSPACE_ROLES)
  role?: WorkspaceRole;
}

export class ChangeMemberRoleBody {
  @ApiProperty({ enum: WORKSPACE_ROLES })
  @IsIn(WORKSPACE_ROLES)
  role!: WorkspaceRole;
}

export class JoinBody {
  @ApiProperty({ description: 'the workspace’s invite code (GET /v1/workspaces/:id/join-info)' })
  @IsString()
  @Length(1, 100)
  code!: string;
}
