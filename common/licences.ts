/** The licence list the About view shows: every dependency that ships in the app, generated at build time. */

export interface LicenceEntry {
  name: string;
  version: string;
  /** SPDX expression as the package declares it (`MIT`, `GPL-2.0-or-later`, `(MIT OR Apache-2.0)`), or UNKNOWN. */
  licence: string;
  /** GPL-family (GPL, LGPL, AGPL): called out, as it puts conditions on distributing the app. */
  gpl: boolean;
  /** Where its source and full licence text are. */
  homepage: string | null;
}
