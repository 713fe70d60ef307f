import { imageSize } from 'image-size';
import { ICON_LIMITS, MnemoError, type IconContentType } from '@mnemo/contracts';

/**
 * The type of an image by its magic bytes, never by what the client claimed: PNG, JPEG or WebP, else
 * undefined. Serving the sniffed type with `nosniff` means a browser never reads an icon as anything else.
 */
export function sniffIconType(bytes: Uint8Array): IconContentType | undefined {
  const starts = (offset: number, signature: number[]) => signature.every((byte, i) => bytes[offset + i] === byte);
  if (starts(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // "RIFF" <size> "WEBP"
  if (starts(0, [0x52, 0x49, 0x46, 0x46]) && starts(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return undefined;
}

const TYPE_OF_IMAGE_SIZE: Record<string, IconContentType> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

export interface CheckedIcon {
  contentType: IconContentType;
  width: number;
  height: number;
}

/**
 * API.md's icon rules, in the order a client can act on: a supported type (415), at most 1 MiB (413), readable
 * dimensions of at most 1024×1024 (400). Dimensions come from `image-size`, which reads only the headers.
 */
export function checkIcon(bytes: Uint8Array): CheckedIcon {
  const contentType = sniffIconType(bytes);
  if (!contentType) throw new MnemoError('UNSUPPORTED_MEDIA_TYPE', 'an icon must be a PNG, JPEG or WebP image');
  if (bytes.length > ICON_LIMITS.maxBytes) throw new MnemoError('PAYLOAD_TOO_LARGE', `an icon must be at most ${ICON_LIMITS.maxBytes} bytes`);
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch {
    throw new MnemoError('VALIDATION_ERROR', 'the image could not be read', { reason: 'unreadable_image' });
  }
  const { width, height } = size;
  if (!width || !height || TYPE_OF_IMAGE_SIZE[size.type ?? ''] !== contentType) {
    throw new MnemoError('VALIDATION_ERROR', 'the image could not be read', { reason: 'unreadable_image' });
  }
  if (width > ICON_LIMITS.maxWidth || height > ICON_LIMITS.maxHeight) {
    throw new MnemoError('VALIDATION_ERROR', `an icon must be at most ${ICON_LIMITS.maxWidth}×${ICON_LIMITS.maxHeight} pixels`, {
      reason: 'dimensions',
      width,
      height,
    });
  }
  return { contentType, width, height };
}
