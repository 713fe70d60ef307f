import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { MnemoError } from '@mnemo/contracts';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** class-validator on every body and query; unknown fields are rejected, not stripped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new MnemoError('VALIDATION_ERROR', fields.map((f) => f.problems.join('; ')).join('; ') || 'invalid request', { fields });
    },
  });
}
