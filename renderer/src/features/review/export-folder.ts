/**
 * The first export goes into a new dated folder inside the one being browsed (the home folder at first),
 * never straight into it: 700 picks loose in someone's home folder are hard to clean up.
 */
export function suggestedExportFolder(parent: string, folderName: string): string {
  // The studio may run on Windows while the page does not know it: follow the separator the listing uses.
  const separator = parent.includes('\\') && !parent.includes('/') ? '\\' : '/';
  return parent.endsWith(separator) ? parent + folderName : parent + separator + folderName;
}

/** Local date as YYYY-MM-DD, which sorts and reads the same in every language. */
export function localDateStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
