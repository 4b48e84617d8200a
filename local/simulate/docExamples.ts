/**
 * Worked examples of `npm run simulate` in the docs, kept true: a line naming the command,
 * "`npm run simulate -- <args>`:", then a blank line and a fenced block holding what the command
 * prints. `refreshDocExamples` reruns each command and rewrites its block (`npm run
 * docs:simulate`); a test fails when a block and its command's output differ.
 */
import { main } from './main';

/** One worked example: the command's arguments and the block that shows its output. */
export interface DocExample {
  readonly args: readonly string[];
  /** The block's text, without the fences. */
  readonly shown: string;
  /** Where the block's text starts and ends in the document. */
  readonly start: number;
  readonly end: number;
}

const EXAMPLE = /^`npm run simulate -- ([^`]+)`:\n\n```[a-z]*\n([\s\S]*?)\n```$/gm;

/** Every worked example of a document, in order. */
export function docExamples(markdown: string): DocExample[] {
  return [...markdown.matchAll(EXAMPLE)].map((m) => {
    const [whole, args = '', shown = ''] = m;
    const end = m.index + whole.length - '\n```'.length;
    return { args: args.trim().split(/\s+/), shown, start: end - shown.length, end };
  });
}

/** What the command prints for `args`, without the trailing newline (as a block shows it). */
export async function exampleOutput(args: readonly string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  if (code !== 0) throw new Error(`npm run simulate -- ${args.join(' ')}: ${stderr}`);
  return stdout.replace(/\n+$/, '');
}

/** The document with every example's block replaced by its command's output now. */
export async function refreshDocExamples(markdown: string): Promise<string> {
  let out = markdown;
  // From the last to the first, so earlier offsets stay valid.
  for (const ex of docExamples(markdown).reverse()) {
    out = out.slice(0, ex.start) + (await exampleOutput(ex.args)) + out.slice(ex.end);
  }
  return out;
}
