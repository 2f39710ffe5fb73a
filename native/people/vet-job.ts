import { z } from 'zod';
import type { VettingOutcome } from '../api/namespaces/people';
import { Id } from '../api/schemas';
import { defineJob } from '../jobs/define';
import { vetPerson } from './vetting';
import { progressText } from '../api/progress-keys';

export const VetRequest = z.object({ personId: Id, force: z.boolean().default(false), personName: z.string().default('') });

/** Vets a person's photos again: what was never measured (a detector installed since), everything with `force`, then crops and verdicts. */
export const peopleVetJob = defineJob({
  kind: 'people.vet',
  resource: 'cpu',
  resumable: true,
  input: VetRequest,
  title: (input: z.output<typeof VetRequest>) => `Vet photos of ${input.personName || `person ${input.personId}`}`,
  async run(input, { catalog, signal, progress, emit }): Promise<VettingOutcome> {
    progress({ fraction: 0, ...progressText('people.vetting') });
    let last = 0;
    const outcome = await vetPerson(catalog, input.personId, {
      force: input.force,
      signal,
      onProgress: (done, total, name) => progress({ done, total, message: name }),
      onChange: () => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        emit('people:changed', { personId: input.personId });
      },
    });
    emit('people:changed', { personId: input.personId });
    return outcome;
  },
});
