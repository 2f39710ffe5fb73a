import { describe, expect, it } from 'vitest';
import { localDateStamp, suggestedExportFolder } from './export-folder';

describe('suggestedExportFolder', () => {
  it('adds a dated folder inside the browsed one with the separator that folder uses', () => {
    expect(suggestedExportFolder('/home/ada', 'Likeness export 2026-11-26')).toBe('/home/ada/Likeness export 2026-11-26');
    expect(suggestedExportFolder('/', 'x')).toBe('/x');
    expect(suggestedExportFolder('C:\\Users\\Ada', 'Likeness export 2026-11-26')).toBe('C:\\Users\\Ada\\Likeness export 2026-11-26');
    expect(suggestedExportFolder('C:\\', 'x')).toBe('C:\\x');
  });

  it('stamps the local date, padded', () => {
    expect(localDateStamp(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});
