import type { Ref } from 'react';

/**
 * A hidden file input that a button opens (`ref.current?.click()`). Hands over what was chosen as an array and
 * clears itself, so choosing the same file again fires again.
 */
export function HiddenFileInput({
  ref,
  accept,
  label,
  multiple,
  testId,
  onFiles,
}: {
  ref: Ref<HTMLInputElement>;
  accept?: string;
  label?: string;
  multiple?: boolean;
  testId?: string;
  onFiles: (files: File[]) => void;
}) {
  return (
    <input
      ref={ref}
      type="file"
      accept={accept}
      multiple={multiple}
      hidden
      aria-label={label}
      data-testid={testId}
      onChange={(event) => {
        const files = [...(event.target.files ?? [])];
        event.target.value = '';
        onFiles(files);
      }}
    />
  );
}
