import { MnemoError } from '@mnemo/contracts';
import { checkIcon, sniffIconType } from './icon-image';

const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');

function refusal(bytes: Uint8Array): { code: string; details?: Record<string, unknown> } {
  try {
    checkIcon(bytes);
  } catch (error) {
    if (error instanceof MnemoError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('the icon was accepted');
}

describe('icon images', () => {
  it('sniffs PNG, JPEG and WebP by their magic bytes only', () => {
    expect(sniffIconType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffIconType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffIconType(WEBP)).toBe('image/webp');
    expect(sniffIconType(Buffer.from('GIF89a'))).toBeUndefined();
    // RIFF without the WEBP form type is some other RIFF file (e.g. WAVE).
    expect(sniffIconType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]))).toBeUndefined();
    expect(sniffIconType(Buffer.alloc(0))).toBeUndefined();
  });

  it('reads the dimensions of a WebP', () => {
    expect(checkIcon(WEBP)).toEqual({ contentType: 'image/webp', width: 1, height: 1 });
  });

  it('refuses magic bytes with nothing readable behind them as a validation error', () => {
    expect(refusal(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toEqual({ code: 'VALIDATION_ERROR', details: { reason: 'unreadable_image' } });
  });

  it('refuses anything else as an unsupported media type', () => {
    expect(refusal(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
