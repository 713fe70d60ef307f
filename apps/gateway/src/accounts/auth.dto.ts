import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';

export class SignupBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ minLength: 12, maxLength: 1024 })
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class LoginBody {
  @ApiProperty()
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class TokenBody {
  @ApiProperty({ description: 'the token from the emailed link' })
  @IsString()
  @Length(16, 128)
  token!: string;
}

export class PasswordResetBody {
  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;
}

export class PasswordResetConfirmBody extends TokenBody {
  @ApiProperty({ minLength: 12, maxLength: 1024 })
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password!: string;
}
