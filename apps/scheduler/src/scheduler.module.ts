import { Module } from '@nestjs/common';
import { ErasureHandlers } from './erasure/erasure.handlers';

/** The scheduler service's RPC controllers and providers. */
@Module({ controllers: [ErasureHandlers] })
export class SchedulerModule {}
