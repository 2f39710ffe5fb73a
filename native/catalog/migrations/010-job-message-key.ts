import type { Migration } from './index';

/**
 * A job's progress message as a key + params besides the English text, so the UI can show it in the user's
 * language (see native/api/progress-keys.ts). Nullable: older rows and messages without a key keep the text.
 */
const migration: Migration = {
  version: 10,
  name: 'job-message-key',
  sql: `
ALTER TABLE jobs ADD COLUMN message_key TEXT;
ALTER TABLE jobs ADD COLUMN message_params TEXT;
`,
};
export default migration;
