import type { CliIO } from '../shared/io.js';

/**
 * Asks for confirmation on a terminal: the user must type `expected`. Without a terminal on
 * stdin nothing is read and the answer is no (scripts must say --yes).
 */
export async function confirm(io: CliIO, question: string, expected: string): Promise<boolean> {
  if (io.stdin.isTTY !== true) return false;
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === expected;
  } finally {
    rl.close();
  }
}
