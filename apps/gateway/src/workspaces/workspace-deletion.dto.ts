import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** `DELETE /v1/workspaces/:id`: the owner repeats the workspace's slug; a different one answers 400. */
export class DeleteWorkspaceBody {
  @ApiProperty({ description: "the workspace's slug, to confirm", maxLength: 50 })
  @IsString()
  @MaxLength(50)
  confirm_slug!: string;
}
