/**
 * Request bodies may be 1 MiB, and so may NATS messages — with their headers and the RPC envelope around the
 * body. A body that does not fit one message goes to the service as JSON lines in parts (all but the last
 * staged with `stageImport`), and the service handles the whole in one transaction.
 */
/** Lines grouped into parts that each fit one NATS message, however JSON escapes them. */
export function partsOf(lines: string[], partBytes: number): string[][] {
  const parts: string[][] = [[]];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(JSON.stringify(line), 'utf8') + 1;
    if (parts[parts.length - 1].length > 0 && bytes + size > partBytes) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1].push(line);
    bytes += size;
  }
  return parts;
}
