import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ClipTokenizer } from '../../diffusion/tokenizer';
import { resolveDiffusionModel } from '../../models/manager';
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
    .option('--model <id|dir>', 'a model id (likeness models list) or a diffusers ONNX model folder (its tokenizer/)')
    .option('--second', 'SDXL: the second tokenizer (tokenizer_2/)')
    .option('--vocab <file>', 'vocab.json, or the original bpe_simple_vocab_16e6.txt.gz')
    .option('--json', 'machine-readable output')
    .action(async (text: string, options: { model?: string; vocab?: string; second?: boolean; json?: boolean }) => {
      // A model id (as `generate --model` takes, from `likeness models list`): its folder, looked up in the library.
      if (options.model && !options.vocab && !(existsSync(options.model) && statSync(options.model).isDirectory())) {
        const id = options.model;
        return cli.withStudio(Boolean(options.json), async (studio) => {
          printTokens(text, tokenizerFrom({ ...options, model: resolveDiffusionModel(studio.catalog, id).info.dir }), Boolean(options.json));
        });
      }
      try {
        if (!options.model === !options.vocab) throw usageError('Give either --model DIR or --vocab FILE.');
        printTokens(text, tokenizerFrom(options), Boolean(options.json));
      } catch (error) {
        fail(error, Boolean(options.json));
      }
    });
}

function printTokens(text: string, tokenizer: ClipTokenizer, json: boolean): void {
  const encoded = tokenizer.encode(text);
  const result = {
    ids: encoded.ids,
    tokens: tokenizer.tokenize(text),
    tokenCount: encoded.tokenCount,
    truncated: encoded.truncated,
    padId: tokenizer.padId,
  };
  print(result, json, (r) =>
    [
      `${r.tokenCount} tokens${r.truncated ? ` (only the first ${tokenizer.maxLength - 2} are read)` : ''}: ${r.tokens.join(' ')}`,
      r.ids.join(' '),
    ].join('\n'),
  );
}
