// An answer's bytes: its JSON text and the newline Apollo ends its bodies with, encoded straight into a
// buffer of their size. Buffer.from(json + '\n') first flattens the concatenation into a copy of the
// text, which for a page of megabytes cost more than the encoding (bench/answer-bytes.ts). The SQL
// floor (bench/floor.ts) encodes its answers with this too.

export function answerBytes(json: string): Buffer {
  const length = Buffer.byteLength(json, 'utf8');
  const bytes = Buffer.allocUnsafe(length + 1);
  // allocUnsafe's memory is not zeroed: should the write ever fall short of the length (it does not,
  // for any string: both count a lone surrogate as U+FFFD's three bytes), none of it may be sent.
  if (bytes.write(json, 0, length, 'utf8') !== length) return Buffer.from(json + '\n', 'utf8');
  bytes[length] = 0x0a;
  return bytes;
}
