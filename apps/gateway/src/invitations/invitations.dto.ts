import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { INVITATION_ROLES, type InvitationRole } from '@mnemo/contracts';

export class CreateInvitationBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ enum: INVITATION_ROLES, default: 'member', description: 'never owner; admin by owners only' })
  @IsOptional()
  @IsIn(INVITATION_ROLES)
  role?: InvitationRole;
}

export class AcceptInvitationBody {
  @ApiProperty({ description: 'the invitation’s own single-use token' })
  @IsString()
  @Length(16, 200)
  token!: string;
}
