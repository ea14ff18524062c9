/**
 * How docker prints a reference the user typed: a tag-less name gets
 * ":latest" (reference.TagNameOnly), a digest reference is left alone.
 */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}
