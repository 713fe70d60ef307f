import type { Type } from '@nestjs/common';
import { MemoriesController } from './memories.controller';
import { SpacesController } from './spaces.controller';

/** The gateway's controllers for the memory service's routes. */
export const MEMORY_CONTROLLERS: Type[] = [MemoriesController, SpacesController];
