import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ClipTokenizer } from '../../diffusion/tokenizer';
import type { CliContext } from '../context';
import { fail, print, usageError } from '../output';

/** The tokenizer of `--model DIR` (its tokenizer/ or tokenizer_2/ folder) or of `--vocab FILE` (vocab.json + merges.txt, or the CLIP .txt.gz). */
export function tokenizerFrom(options: { model?: string; vocab?: string; second?: boolean }): ClipTokenizer {
  if (options.model) {
    const sub = options.second ? 'tokenizer_2' : 'tokenizer';
    const dir = existsSync(join(options.model, sub)) ? join(options.model, sub) : options.model;
    return ClipTokenizer.fromFolder(dir);
  }
  const file = options.vocab!;
  if (!existsSync(file) || !statSync(file).isFile())
    throw usageError(`${file} does not exist.`, 'Give vocab.json (with merges.txt beside it) or bpe_simple_vocab_16e6.txt.gz.');
  if (file.endsWith('.gz')) return ClipTokenizer.fromBpeFile(file);
  if (basename(file) === 'vocab.json') return ClipTokenizer.fromFolder(dirname(file));
  throw usageError(`${file} is neither vocab.json nor a .txt.gz BPE file.`);
}

export function registerTokenize(cli: CliContext): void {
  cli.program
    .command('tokenize')
    .description('CLIP token ids of a text, as a model’s text encoder receives them (BOS, tokens, EOS, padding to 77)')
    .argument('<text>', 'the text')
    .option('--model <dir>', 'a diffusers ONNX model folder (its tokenizer/)')
    .option('--second', 'SDXL: the second tokenizer (tokenizer_2/)')
    .option('--vocab <file>', 'vocab.json, or the original bpe_simple_vocab_16e6.txt.gz')
    .option('--json', 'machine-readable output')
    .action((text: string, options: { model?: string; vocab?: string; second?: boolean; json?: boolean }) => {
      try {
        if (!options.model === !options.vocab) throw usageError('Give either --model DIR or --vocab FILE.');
        const tokenizer = tokenizerFrom(options);
        const encoded = tokenizer.encode(text);
        const result = {
          ids: encoded.ids,
          tokens: tokenizer.tokenize(text),
          tokenCount: encoded.tokenCount,
          truncated: encoded.truncated,
          padId: tokenizer.padId,
        };
        print(result, Boolean(options.json), (r) =>
          [
            `${r.tokenCount} tokens${r.truncated ? ` (only the first ${tokenizer.maxLength - 2} are read)` : ''}: ${r.tokens.join(' ')}`,
            r.ids.join(' '),
          ].join('\n'),
        );
      } catch (error) {
        fail(error, Boolean(options.json));
      }
    });
}
