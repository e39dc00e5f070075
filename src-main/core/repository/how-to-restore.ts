/** The text placed at the root of every repository, for a person who finds the drive and nothing else. */
export const HOW_TO_RESTORE = `This folder is a Lifeboat backup repository.

It holds backups (snapshots) of an office's databases and folders. Everything needed to read them is here;
the only other things you need are the Lifeboat program and, if the backups are encrypted, the passphrase.

To get the data back on any computer:

  1. Install Lifeboat (Node.js 22 or newer):   npm install -g lifeboat      (or use the desktop app)
  2. See what is here:                         lifeboat --repo /path/to/this/folder list
  3. Restore the newest copy of a source:      lifeboat --repo /path/to/this/folder restore latest --source NAME --to /path/to/restored-file

If the backups are encrypted, Lifeboat asks for the passphrase (or reads LIFEBOAT_PASSPHRASE).
Without the passphrase the data cannot be read by anyone: that is the point of encryption.

Layout (documented in full in FORMAT.md in Lifeboat's source):
  lifeboat-repo.json   settings of this repository (chunk size, encryption parameters, the wrapped key)
  snapshots/           one manifest per snapshot: what was backed up, when, and the list of its chunks
  packs/               the data, in deduplicated, compressed (and, if set, encrypted) chunks
  index/               where each chunk lives inside packs/ (can be rebuilt from packs/)

Do not edit or delete files here by hand; "lifeboat verify --all" checks everything.
`;
