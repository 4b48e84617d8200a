/**
 * Text put into HTML or XML, escaped: `&`, `<`, `>` and `"`, enough for an element's text or a
 * double-quoted attribute value. Used by the emulator's Atom feeds and by the pages `simulate` and
 * `bench:policies` write.
 */
export function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
