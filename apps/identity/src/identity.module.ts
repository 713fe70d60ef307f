import { Module } from '@nestjs/common';

/** The identity service's RPC controllers and providers. */
@Module({})
export class IdentityModule {}
