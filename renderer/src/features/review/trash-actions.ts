import { useMutation } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { useJobStarted } from '../jobs/jobs-data';
import { useReviewServices } from './review-data';

/**
 * Review's trash: moving the chosen outputs there and back (undoable decisions), and emptying it for good (a job,
 * announced in the drawer). `targets` says who the action is for (or `trash`/`restore` are told); in the trash view
 * there is nothing to trash.
 */
export function useTrashActions(targets: () => number[], inTrash: boolean) {
  const { t } = useTranslation();
  const { decisions } = useReviewServices();
  const started = useJobStarted();
  const trash = useCallback(
    (chosen: readonly number[]) => {
      if (!chosen.length || inTrash) return;
      void decisions.trash([...chosen], t('review.undo.trash', { count: chosen.length })).catch(() => undefined);
    },
    [inTrash, decisions, t],
  );
  const restore = useCallback(
    (chosen: readonly number[]) => {
      if (chosen.length) void decisions.restore([...chosen], t('review.undo.restore', { count: chosen.length })).catch(() => undefined);
    },
    [decisions, t],
  );
  const trashSelected = useCallback(() => trash(targets()), [trash, targets]);
  const emptyTrash = useMutation({
    mutationFn: () => studio.api.catalog.emptyTrash({}),
    onSuccess: started,
  });
  return { trash, restore, trashSelected, emptyTrash };
}
