import { Module } from '@nestjs/common';

/** The memory service's RPC controllers and providers. */
@Module({})
export class MemoryModule {}
