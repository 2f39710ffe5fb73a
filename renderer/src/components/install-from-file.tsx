import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../api';
import { ErrorNotice } from '../app/page-elements';
import { useModels } from '../features/generate/generate-data';
import { modelName } from '../features/models/model-words';

/** "I already have the file…": installs a registry model from a copy on this machine (checked against the registry, then verified). */
export function InstallFromFile({ modelId, onInstalled }: { modelId: string; onInstalled: () => void }) {
  const { t } = useTranslation();
  const model = useModels().data?.find((m) => m.id === modelId);
  const id = useId();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState('');
  const [file, setFile] = useState('');
  const files = model?.files ?? [];
  const chosen = file || files[0]?.path || '';
  const install = useMutation({
    mutationFn: () => studio.api.models.installFile({ id: modelId, path: path.trim(), ...(files.length > 1 ? { file: chosen } : {}) }),
    onSuccess: () => {
      setPath('');
      void client.invalidateQueries({ queryKey: ['jobs'] });
      onInstalled();
    },
  });
  if (!model) return null;
  if (!open)
    return (
      <button
        type="button"
        className="button small"
        onClick={() => setOpen(true)}
        aria-label={t('models.haveFileNamed', { name: modelName(t, model) })}
      >
        {t('models.haveFile')}
      </button>
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    install.mutate();
  };
  return (
    <form className="install-file" onSubmit={submit} data-testid="install-file">
      {files.length > 1 && (
        <label htmlFor={`${id}-file`}>
          {t('models.whichFile')}
          <select id={`${id}-file`} value={chosen} onChange={(e) => setFile(e.target.value)}>
            {files.map((f) => (
              <option key={f.path} value={f.path}>
                {f.path}
              </option>
            ))}
          </select>
        </label>
      )}
      <label htmlFor={`${id}-path`}>{t('models.filePath', { file: files.length > 1 ? chosen.split('/').pop() : files[0]?.path })}</label>
      <input id={`${id}-path`} type="text" className="mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/file.onnx" />
      <button type="submit" className="button small primary" disabled={!path.trim() || install.isPending}>
        {t('models.installFile')}
      </button>
      <button type="button" className="button small" onClick={() => setOpen(false)}>
        {t('common.cancel')}
      </button>
      <ErrorNotice error={install.error} />
    </form>
  );
}
