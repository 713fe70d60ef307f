import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

/** Account deletion and the erasure status it reports. */
@ApiTags('accounts')
@Controller('v1/account')
export class AccountController {}
