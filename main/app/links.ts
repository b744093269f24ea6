/** The project's public pages the Help menu opens (the repository electron-builder.yml publishes releases to). */
export const REPOSITORY_URL = 'https://github.com/rotorscribe/rotorscribe';
export const RELEASES_URL = `${REPOSITORY_URL}/releases`;
