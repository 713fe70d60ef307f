import { Module } from '@nestjs/common';

/** The scheduler service's RPC controllers and providers. */
@Module({})
export class SchedulerModule {}
