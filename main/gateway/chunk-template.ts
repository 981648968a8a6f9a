/**
 * A streamed chunk whose only varying part is one string (a token delta's text), serialised as the text around it:
 * byte for byte what JSON.stringify of the whole chunk gives, without building and serialising an object per delta.
 * The template is cut from JSON.stringify's own output, so key order and escaping are its own.
 */
const MARK = '\u0000piece\u0000';

export function jsonTemplate(build: (piece: string) => unknown): (piece: string) => string {
  const parts = JSON.stringify(build(MARK)).split(JSON.stringify(MARK));
  // The mark inside the fixed part (a model name containing it): no template, the plain way.
  if (parts.length !== 2) return (piece) => JSON.stringify(build(piece));
  const [head, tail] = parts;
  return (piece) => head + JSON.stringify(piece) + tail;
}
